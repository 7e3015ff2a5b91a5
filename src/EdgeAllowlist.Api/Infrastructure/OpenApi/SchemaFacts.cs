using FluentValidation;
using FluentValidation.Validators;

namespace EdgeAllowlist.Api.Infrastructure.OpenApi;

/// <summary>
/// What the OpenAPI document says about a request field whose rule lives in EdgeAllowlist.Rules (plain
/// C#, shared with the CLI). FastEndpoints.Swagger writes required, minLength, pattern and bounds from
/// FluentValidation's built-in validators; these state the same facts and never fail: the shared rule,
/// run by the same validator, reports the field with its own message.
/// </summary>
public static class SchemaFacts
{
    /// <summary>Required and not nullable.</summary>
    public static IRuleBuilderOptions<T, TProperty> DocumentedAsRequired<T, TProperty>(this IRuleBuilder<T, TProperty> rule) =>
        rule.SetValidator(new Required<T, TProperty>());

    /// <summary>Required, not nullable, at least one character or item.</summary>
    public static IRuleBuilderOptions<T, TProperty> DocumentedAsNotEmpty<T, TProperty>(this IRuleBuilder<T, TProperty> rule) =>
        rule.SetValidator(new NotEmpty<T, TProperty>());

    public static IRuleBuilderOptions<T, TProperty> DocumentedPattern<T, TProperty>(this IRuleBuilder<T, TProperty> rule, string pattern) =>
        rule.SetValidator(new Pattern<T, TProperty>(pattern));

    public static IRuleBuilderOptions<T, int?> DocumentedRange<T>(this IRuleBuilder<T, int?> rule, int from, int to) =>
        rule.SetValidator(new Range<T>(from, to));

    abstract class Fact<T, TProperty> : PropertyValidator<T, TProperty>
    {
        public override string Name => "SchemaFact";

        public override bool IsValid(FluentValidation.ValidationContext<T> context, TProperty value) => true;
    }

    sealed class Required<T, TProperty> : Fact<T, TProperty>, INotNullValidator;

    sealed class NotEmpty<T, TProperty> : Fact<T, TProperty>, INotEmptyValidator;

    sealed class Pattern<T, TProperty>(string expression) : Fact<T, TProperty>, IRegularExpressionValidator
    {
        public string Expression => expression;
    }

    sealed class Range<T>(int from, int to) : Fact<T, int?>, IBetweenValidator
    {
        public object From => from;

        public object To => to;
    }
}
