using System.Text.Json;

namespace EdgeAllowlist.Api.WebConsole.Pages;

public sealed class OverviewModel(InProcessApi api, ConsoleSessions sessions, TimeProvider time) : ConsolePage(api, sessions)
{
    public JsonElement? Policy { get; private set; }

    public JsonElement? Status { get; private set; }

    public JsonElement? LastChange { get; private set; }

    public List<JsonElement>? Expiring { get; private set; }

    public List<string> Warnings { get; } = [];

    public static string ModeMeaning(string mode) => mode switch
    {
        "enforce" => "Requests the rules do not allow are denied.",
        "report" => "Nothing is blocked: would-be denials are only logged. Switch to enforce when the logs are clean.",
        "off" => "Every request passes unchecked (a partner path is still stripped).",
        _ => "",
    };

    public async Task OnGetAsync()
    {
        if (Has(Infrastructure.Auth.ApiScopes.RulesRead))
        {
            var policy = (await Api("GET", "/v1/settings")).Json;
            var status = (await Api("GET", "/v1/status")).Json;
            var userAgents = (await Api("GET", "/v1/user-agents")).Json;
            Policy = policy;
            Status = status;
            var allowRules = userAgents.Items("allow").Count();
            if (policy.Str("noOrigin") == "ua" && allowRules == 0)
                Warnings.Add("Native players without Origin are denied: no User-Agent allow rule. Safari's native HLS (AppleCoreMedia), ExoPlayer and smart TVs send no Origin; add an allow rule for them on the User-Agent rules page, or change noOrigin.");
            if (policy.Str("noOrigin") == "allow")
                Warnings.Add("Requests without Origin or Referer pass with only the deny rules checked (noOrigin = allow): anyone who leaves the headers out gets through.");
            if (status.Long("origins") == 0)
                Warnings.Add("No browser origin is allowed yet: every player in a browser is denied. Add your sites on the Origins page.");
            if (status.Long("secrets") == 0)
                Warnings.Add("No partner secret exists: MediaTailor's template fetches are denied (a User-Agent containing mediatailor opens nothing). Create one on the Partners & secrets page.");
            if (policy.Str("mode") != "enforce")
                Warnings.Add($"The mode is {policy.Str("mode")}: nothing is blocked.");
            if (policy.Str("failPolicy") == "open")
                Warnings.Add("Fail policy is open: when the store cannot be read, requests pass.");
            if (policy.Bool("revealReason"))
                Warnings.Add("Denials carry x-allowlist-reason, which tells a caller which rule hit: for staging only.");
            if (status.Str("drift") != "in-sync")
                Warnings.Add($"Drift: {status.Str("drift")} — the store was changed outside this service; see kvs.external-change in the audit.");
            // Every expectation that fails now, by name: "nothing needs your attention" only when all hold.
            foreach (var failing in (await Api("GET", "/v1/expectations")).Json.Items("items").Where(e => !e.Bool("holds") && !e.Bool("muted")))
                Warnings.Add($"Expectation {failing.Str("name")} fails now: expected {failing.Str("expect")}, the function answers {failing.Str("outcome")}{(failing.Str("outcomeReason") is { Length: > 0 } why ? $" ({why})" : "")}. {failing.Str("description")}.");
            // "broken" is what status says; this compared with "invalid", which it never says, so the warning never showed.
            if (status.Str("auditChain") == Infrastructure.Integrity.IntegrityReport.Broken)
                Warnings.Add($"The audit trail does not verify ({status.Long("auditProblems")} problems, first bad entry {status.Str("auditFirstInvalidSeq")}): see Verify on the Audit page.");
        }
        if (Has(Infrastructure.Auth.ApiScopes.AuditRead))
            LastChange = (await Api("GET", "/v1/audit?limit=1&outcome=success")).Json.Items().FirstOrDefault() is { ValueKind: JsonValueKind.Object } last ? last : null;
        if (Has(Infrastructure.Auth.ApiScopes.SecretsAdmin))
        {
            var soon = time.GetUtcNow().AddDays(7);
            Expiring = [];
            foreach (var partner in (await Api("GET", "/v1/partners")).Json.Items())
                foreach (var secret in (await Api("GET", $"/v1/partners/{Escape(partner.Str("id"))}/secrets")).Json.Items())
                    if (!secret.Bool("expired") && secret.Time("expiresAt") is { } expires && expires <= soon)
                        Expiring.Add(secret);
        }
    }
}
