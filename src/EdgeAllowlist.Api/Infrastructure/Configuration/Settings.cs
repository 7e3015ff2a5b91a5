using Microsoft.Extensions.Options;

namespace EdgeAllowlist.Api.Infrastructure.Configuration;

/// <summary>
/// A configuration section bound to one typed class: the one way this service reads its settings.
/// Each class names its section and says which of its values it cannot use, so a bad value stops the
/// start with one line naming the key and the rule, instead of surfacing later as a failed request.
/// </summary>
public interface ISettings
{
    static abstract string Section { get; }

    /// <summary>Each value this service cannot use: its key inside the section and the rule it breaks.</summary>
    IEnumerable<(string Key, string Rule)> Problems();
}

public static class SettingsRegistration
{
    /// <summary>
    /// Binds <typeparamref name="T"/> to its section and checks it when the host starts: its own rules,
    /// and no key the class does not have, so a misspelt setting is not silently ignored.
    /// </summary>
    public static IServiceCollection AddSettings<T>(this IServiceCollection services, IConfiguration configuration)
        where T : class, ISettings
    {
        var section = configuration.GetSection(T.Section);
        services.AddOptions<T>().Bind(section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<T>>(new SettingsValidator<T>(section));
        return services;
    }

    sealed class SettingsValidator<T>(IConfigurationSection section) : IValidateOptions<T> where T : class, ISettings
    {
        static readonly string[] Known = typeof(T).GetProperties().Where(p => p.CanWrite).Select(p => p.Name).ToArray();

        public ValidateOptionsResult Validate(string? name, T options)
        {
            // A key the class does not have is most likely misspelt: say so rather than run on the default.
            var unknown = section.GetChildren().Select(c => c.Key).Where(k => !Known.Contains(k, StringComparer.OrdinalIgnoreCase))
                .Select(k => $"{T.Section}:{k} is not a setting; {T.Section} has {string.Join(", ", Known)}");
            var failures = unknown.Concat(options.Problems().Select(p => $"{T.Section}:{p.Key} {p.Rule}")).ToList();
            return failures.Count > 0 ? ValidateOptionsResult.Fail(failures) : ValidateOptionsResult.Success;
        }
    }
}

/// <summary>Checks every setting before anything starts, so a process with a bad one says which in one line per problem.</summary>
public static class SettingsCheck
{
    /// <summary>sysexits.h EX_CONFIG: a configuration error.</summary>
    public const int ExitCode = 78;

    /// <summary>Null when every setting can be used; otherwise one line per problem, each naming the key.</summary>
    public static IReadOnlyList<string>? Problems(IServiceProvider services)
    {
        try
        {
            services.GetRequiredService<IStartupValidator>().Validate();
            return null;
        }
        catch (OptionsValidationException invalid)
        {
            return invalid.Failures.ToList();
        }
        catch (AggregateException many) when (many.InnerExceptions.All(e => e is OptionsValidationException or InvalidOperationException))
        {
            return many.InnerExceptions.SelectMany(e => e is OptionsValidationException o ? o.Failures : [Binding(e)]).ToList();
        }
        catch (InvalidOperationException binding) when (binding.Message.Contains("configuration", StringComparison.OrdinalIgnoreCase))
        {
            // The binder's own words already name the key: "Failed to convert configuration value at 'Writer:MaxKeysPerBatch' to type 'System.Int32'."
            return [Binding(binding)];
        }
    }

    static string Binding(Exception e) => e.InnerException is { } inner && !e.Message.Contains(inner.Message, StringComparison.Ordinal)
        ? $"{e.Message} {inner.Message}"
        : e.Message;
}
