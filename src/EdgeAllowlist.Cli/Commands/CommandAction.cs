using System.CommandLine;
using Amazon.Runtime;
using EdgeAllowlist.Aws;
using EdgeAllowlist.Cli.Api;
using EdgeAllowlist.Store;

namespace EdgeAllowlist.Cli.Commands;

static class CommandAction
{
    /// <summary>
    /// An admin-API command: adds <c>--api</c>/<c>--token</c> and hands <paramref name="action"/> the
    /// client, or fails with <see cref="ExitCodes.InvalidInput"/> naming what to set and the scope needed.
    /// </summary>
    public static T SetApiAction<T>(this T command, CommonOptions options, CliEnvironment environment, string scope,
        Func<ParseResult, CommandOutput, AdminApiClient, CancellationToken, Task<int>> action) where T : Command
    {
        options.WithApi(command);
        command.SetAction(options, environment, (parse, output, cancellationToken) =>
            options.AdminApi(parse) is { } api
                ? action(parse, output, api, cancellationToken)
                : Task.FromResult(output.Fail(ExitCodes.InvalidInput, "NoApi", CommonOptions.NoApi(scope))));
        return command;
    }

    /// <summary>
    /// Runs <paramref name="action"/> with the output the user asked for, and turns the failures
    /// a remote call can have into a printed error and <see cref="ExitCodes.ServiceError"/>
    /// instead of a stack trace.
    /// </summary>
    /// <param name="exitCode">Maps the exit code at the end, failures included (plan --detailed-exitcode makes every error 1).</param>
    public static void SetAction(this Command command, CommonOptions options, CliEnvironment environment,
        Func<ParseResult, CommandOutput, CancellationToken, Task<int>> action, Func<ParseResult, int, int>? exitCode = null) =>
        command.SetAction(async (parse, cancellationToken) =>
        {
            var output = new CommandOutput(environment, parse.GetValue(options.Output));
            var code = await RunAsync(parse, output, action, cancellationToken);
            return exitCode is null ? code : exitCode(parse, code);
        });

    static async Task<int> RunAsync(ParseResult parse, CommandOutput output, Func<ParseResult, CommandOutput, CancellationToken, Task<int>> action, CancellationToken cancellationToken)
    {
        try
        {
            return await action(parse, output, cancellationToken);
        }
        catch (InvalidEndpointException error)
        {
            return output.Fail(ExitCodes.InvalidInput, "InvalidEndpoint", error.Message, $"set {error.Variable} to the service's http(s) URL, or unset it");
        }
        catch (AwsCredentialsException error)
        {
            // One line: the source the chain tried and the fix, never the SDK's stack trace.
            return output.Fail(ExitCodes.ServiceError, "NoCredentials", error.OneLine);
        }
        catch (AwsServiceException error)
        {
            return output.Fail(ExitCodes.ServiceError, error.ErrorCode, Describe(error));
        }
        catch (AdminApiException error)
        {
            return output.Fail(ExitCodes.ServiceError, error.StatusCode.ToString(), $"The admin API answered {(int)error.StatusCode}: {error.Message}");
        }
        catch (AmazonClientException error)
        {
            return output.Fail(ExitCodes.ServiceError, "NoCredentials", error.Message,
                "set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or run where a role is available");
        }
        catch (HttpRequestException error)
        {
            return output.Fail(ExitCodes.ServiceError, "Unreachable", error.Message);
        }
        catch (FormatException error)
        {
            return output.Fail(ExitCodes.ServiceError, "InvalidResponse", error.Message);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            // A file the command reads or writes (plan -out, export, audit export --file).
            return output.Fail(ExitCodes.InvalidInput, "FileError", error.Message);
        }
    }

    /// <summary>Service, status (or that none came), message and request id: what an AWS support case asks for.</summary>
    public static string Describe(AwsServiceException error)
    {
        var answer = error.ErrorCode == "RequestFailed" ? "gave no answer" : $"answered {(int)error.StatusCode}";
        var requestId = error.RequestId is null ? "" : $" (request id {error.RequestId})";
        var retried = error.IsRetryable ? " after retries" : "";
        return $"{error.Service} {answer}{retried}: {error.Message}{requestId}";
    }
}
