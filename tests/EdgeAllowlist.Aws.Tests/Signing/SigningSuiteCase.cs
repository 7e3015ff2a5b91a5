using System.Text;
using System.Text.Json;
using EdgeAllowlist.Aws.Signing;

namespace EdgeAllowlist.Aws.Tests.Signing;

/// <summary>One case of the aws-c-auth SigV4a test suite, vendored in Signing/aws-signing-test-suite/v4a/&lt;name&gt; (Apache-2.0).</summary>
sealed record SigningSuiteCase(string Name, string Folder)
{
    public static string SuiteFolder => Path.Combine(RepositoryPaths.Root, "tests", "EdgeAllowlist.Aws.Tests", "Signing", "aws-signing-test-suite", "v4a");

    /// <summary>Cases that have header-signing expectations (two query-order cases only carry request.txt).</summary>
    public static TheoryData<string> Names()
    {
        var data = new TheoryData<string>();
        foreach (var dir in Directory.GetDirectories(SuiteFolder).Order(StringComparer.Ordinal))
        {
            if (File.Exists(Path.Combine(dir, "header-canonical-request.txt"))) data.Add(Path.GetFileName(dir));
        }

        return data;
    }

    public static SigningSuiteCase Load(string name) => new(name, Path.Combine(SuiteFolder, name));

    JsonElement Context => JsonDocument.Parse(Read("context.json")).RootElement;

    public string AccessKeyId => Context.GetProperty("credentials").GetProperty("access_key_id").GetString()!;

    public string SecretKey => Context.GetProperty("credentials").GetProperty("secret_access_key").GetString()!;

    public string? Token => Context.GetProperty("credentials").TryGetProperty("token", out var token) ? token.GetString() : null;

    public bool OmitSessionToken => Context.TryGetProperty("omit_session_token", out var omit) && omit.GetBoolean();

    public bool Normalize => Context.GetProperty("normalize").GetBoolean();

    public bool SignBody => Context.GetProperty("sign_body").GetBoolean();

    public string Region => Context.GetProperty("region").GetString()!;

    public string Service => Context.GetProperty("service").GetString()!;

    public DateTime Timestamp => Context.GetProperty("timestamp").GetDateTime().ToUniversalTime();

    public string Read(string file) => File.ReadAllText(Path.Combine(Folder, file), Encoding.UTF8);

    /// <summary>Parses request.txt or header-signed-request.txt: request line, headers (folded lines kept), blank line, body.</summary>
    public ParsedRequest ParseRequest(string file)
    {
        var text = Read(file).Replace("\r\n", "\n");
        var headEnd = text.IndexOf("\n\n", StringComparison.Ordinal);
        var head = headEnd < 0 ? text.TrimEnd('\n') : text[..headEnd];
        var body = headEnd < 0 ? "" : text[(headEnd + 2)..];
        var lines = head.Split('\n');

        var requestLine = lines[0];
        var method = requestLine[..requestLine.IndexOf(' ')];
        var target = requestLine[(method.Length + 1)..requestLine.LastIndexOf(' ')];

        var headers = new List<HeaderLine>();
        foreach (var line in lines.Skip(1))
        {
            if (line.Length > 0 && char.IsWhiteSpace(line[0]))
            {
                var last = headers[^1];
                headers[^1] = last with { Value = last.Value + "\n" + line };
                continue;
            }

            var colon = line.IndexOf(':');
            headers.Add(new(line[..colon], line[(colon + 1)..]));
        }

        return new(method, target, headers, Encoding.UTF8.GetBytes(body));
    }
}

sealed record ParsedRequest(string Method, string Target, List<HeaderLine> Headers, byte[] Body);
