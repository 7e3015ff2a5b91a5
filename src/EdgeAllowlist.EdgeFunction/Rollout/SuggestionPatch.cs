using System.Text.Json.Nodes;

namespace EdgeAllowlist.EdgeFunction.Rollout;

/// <summary>Taking suggestions into a desired-state document, the same way for the CLI's rules file and the console's plan.</summary>
public static class SuggestionPatch
{
    /// <summary>
    /// Adds each patch's entries to <paramref name="document"/>: an origin replaces the entry of the
    /// same origin (renewing it), a User-Agent rule is added once. Returns the entries added.
    /// </summary>
    public static int Merge(JsonObject document, IEnumerable<JsonObject> patches)
    {
        var added = 0;
        foreach (var patch in patches)
        {
            foreach (var (section, entries) in patch)
            {
                if (document[section] is not JsonArray list)
                    document[section] = list = [];
                foreach (var entry in entries!.AsArray())
                {
                    var same = list.Where(e => section == "origins"
                        ? e?["origin"]?.GetValue<string>() == entry!["origin"]!.GetValue<string>()
                        : JsonNode.DeepEquals(e, entry)).ToList();
                    if (section != "origins" && same.Count > 0)
                        continue;
                    foreach (var old in same)
                        list.Remove(old);
                    list.Add(entry!.DeepClone());
                    added++;
                }
            }
        }
        return added;
    }
}
