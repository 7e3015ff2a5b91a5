using System.Reflection;

namespace EdgeAllowlist.Testing.Architecture;

/// <summary>
/// Loops between the folders of a project: each type counts for the folder its namespace names
/// (namespaces follow folders, <see cref="NamespacesNotFollowingFolders"/>). Folder A depends on folder
/// B when a type of A uses a type of B (<see cref="TypeDependencies"/>) or a file of A imports B's
/// namespace; every strongly connected component of more than one folder is a loop. A loop is
/// reported with its folders, one cycle through them, and each of its edges with one type pair or
/// file that makes it, so the message says what to move.
/// </summary>
public static class FolderCycles
{
    /// <summary>
    /// One entry per loop (the assembly's types, and the files of src/&lt;assembly name&gt;); empty when
    /// the folders form no loop. <paramref name="folderOf"/> maps a namespace to its folder, or to null for
    /// a namespace the check leaves out.
    /// </summary>
    public static List<string> Of(Assembly assembly, Func<string, string?> folderOf)
    {
        var edges = new Dictionary<(string From, string To), string>();
        foreach (var (from, to) in TypeDependencies.Of(assembly))
        {
            if (to.Assembly != assembly || from.Namespace is not { } fromNamespace || to.Namespace is not { } toNamespace)
                continue;
            if (folderOf(fromNamespace) is not { } fromFolder || folderOf(toNamespace) is not { } toFolder || fromFolder == toFolder)
                continue;
            // The first pair in name order, so the message is the same from run to run.
            var example = $"{Outermost(from).FullName} uses {Outermost(to).FullName}";
            if (!edges.TryGetValue((fromFolder, toFolder), out var known) || string.CompareOrdinal(example, known) < 0)
                edges[(fromFolder, toFolder)] = example;
        }

        // The using directives too: a constant is copied into the IL where it is used, so only the
        // source shows that a folder reads another's constants.
        foreach (var (file, ns, imported) in UsingDirectives(assembly.GetName().Name!))
        {
            if (folderOf(ns) is not { } fromFolder || folderOf(imported) is not { } toFolder || fromFolder == toFolder)
                continue;
            var example = $"{file} imports {imported}";
            if (!edges.TryGetValue((fromFolder, toFolder), out var known) || string.CompareOrdinal(example, known) < 0)
                edges[(fromFolder, toFolder)] = example;
        }

        var next = edges.Keys.GroupBy(e => e.From).ToDictionary(g => g.Key, g => g.Select(e => e.To).Order(StringComparer.Ordinal).ToList());
        return [.. StronglyConnected(next)
            .Where(component => component.Count > 1)
            .Select(component => Describe(component, next, edges))
            .Order(StringComparer.Ordinal)];
    }

    /// <summary>The namespace's part below <paramref name="root"/> cut to its first <paramref name="depth"/> names, joined by '/'; "" for the root itself, null outside it.</summary>
    public static string? Folder(string ns, string root, int depth)
    {
        if (ns == root)
            return "";
        if (!ns.StartsWith(root + ".", StringComparison.Ordinal))
            return null;
        return string.Join('/', ns[(root.Length + 1)..].Split('.').Take(depth));
    }

    /// <summary>
    /// The C# files under src/<paramref name="project"/> whose namespace is not the project's name
    /// followed by the file's folders, as "path: namespace". The loop check reads folders from
    /// namespaces, so a file that does not follow its folder would hide a loop from it.
    /// </summary>
    public static List<string> NamespacesNotFollowingFolders(string project)
    {
        var root = Path.Combine(RepositoryPaths.Root, "src", project);
        return [.. SourceFiles(root)
            .Select(file => (File: file, Declared: DeclaredNamespace(Path.Combine(root, file)),
                Expected: string.Join('.', [project, .. Path.GetDirectoryName(file)!.Split('/', StringSplitOptions.RemoveEmptyEntries)])))
            .Where(f => f.Declared is not null && f.Declared != f.Expected)
            .Select(f => $"{f.File}: {f.Declared} (folder says {f.Expected})")
            .Order(StringComparer.Ordinal)];
    }

    /// <summary>Each namespace import (not aliases, statics or global usings) of each C# file of src/<paramref name="project"/>, with the file's namespace.</summary>
    static IEnumerable<(string File, string Namespace, string Imported)> UsingDirectives(string project)
    {
        var root = Path.Combine(RepositoryPaths.Root, "src", project);
        foreach (var file in SourceFiles(root))
        {
            if (DeclaredNamespace(Path.Combine(root, file)) is not { } ns)
                continue;
            foreach (var line in File.ReadLines(Path.Combine(root, file)).Select(l => l.Trim()))
            {
                if (line.StartsWith("namespace ", StringComparison.Ordinal))
                    break;
                if (line.StartsWith("using ", StringComparison.Ordinal) && line.EndsWith(';') && !line.Contains('=') && !line.StartsWith("using static ", StringComparison.Ordinal))
                    yield return (file, ns, line["using ".Length..^1].Trim());
            }
        }
    }

    /// <summary>The C# files under <paramref name="root"/>, relative with '/', without bin and obj.</summary>
    static IEnumerable<string> SourceFiles(string root) => Directory.EnumerateFiles(root, "*.cs", SearchOption.AllDirectories)
        .Select(file => Path.GetRelativePath(root, file).Replace('\\', '/'))
        .Where(file => !file.StartsWith("bin/", StringComparison.Ordinal) && !file.StartsWith("obj/", StringComparison.Ordinal))
        .Order(StringComparer.Ordinal);

    static string? DeclaredNamespace(string file) => File.ReadLines(file)
        .Select(line => line.Trim())
        .FirstOrDefault(line => line.StartsWith("namespace ", StringComparison.Ordinal))?["namespace ".Length..].TrimEnd(';', ' ', '{');

    static Type Outermost(Type type) => type.DeclaringType is { } outer ? Outermost(outer) : type;

    /// <summary>Tarjan's algorithm, written with an explicit stack so no folder graph is too deep for it.</summary>
    static List<List<string>> StronglyConnected(Dictionary<string, List<string>> next)
    {
        var index = new Dictionary<string, int>();
        var low = new Dictionary<string, int>();
        var onStack = new HashSet<string>();
        var stack = new Stack<string>();
        var components = new List<List<string>>();
        var nodes = next.Keys.Concat(next.Values.SelectMany(v => v)).Distinct().Order(StringComparer.Ordinal);

        foreach (var start in nodes)
        {
            if (index.ContainsKey(start))
                continue;
            var work = new Stack<(string Node, int Child)>();
            work.Push((start, 0));
            while (work.Count > 0)
            {
                var (node, child) = work.Pop();
                if (child == 0)
                {
                    index[node] = low[node] = index.Count;
                    stack.Push(node);
                    onStack.Add(node);
                }
                var successors = next.GetValueOrDefault(node) ?? [];
                if (child < successors.Count)
                {
                    work.Push((node, child + 1));
                    var successor = successors[child];
                    if (!index.ContainsKey(successor))
                        work.Push((successor, 0));
                    else if (onStack.Contains(successor))
                        low[node] = Math.Min(low[node], index[successor]);
                    continue;
                }
                // All successors done: pass the low link up to the caller, then close a component at its root.
                if (work.Count > 0)
                {
                    var caller = work.Peek().Node;
                    low[caller] = Math.Min(low[caller], low[node]);
                }
                if (low[node] == index[node])
                {
                    var component = new List<string>();
                    string member;
                    do
                    {
                        member = stack.Pop();
                        onStack.Remove(member);
                        component.Add(member);
                    } while (member != node);
                    components.Add(component);
                }
            }
        }
        return components;
    }

    /// <summary>A shortest cycle from the component's first folder back to it, and every edge inside the component with its example.</summary>
    static string Describe(List<string> component, Dictionary<string, List<string>> next, Dictionary<(string From, string To), string> edges)
    {
        var members = component.ToHashSet();
        var start = component.Min(StringComparer.Ordinal)!;
        var cameFrom = new Dictionary<string, string>();
        var queue = new Queue<string>([start]);
        string? last = null;
        while (queue.Count > 0 && last is null)
        {
            var node = queue.Dequeue();
            foreach (var successor in next.GetValueOrDefault(node) ?? [])
            {
                if (!members.Contains(successor))
                    continue;
                if (successor == start)
                {
                    last = node;
                    break;
                }
                if (cameFrom.TryAdd(successor, node))
                    queue.Enqueue(successor);
            }
        }
        var path = new List<string> { start };
        for (var node = last!; node != start; node = cameFrom[node])
            path.Insert(1, node);
        path.Add(start);

        var inside = edges.Where(e => members.Contains(e.Key.From) && members.Contains(e.Key.To))
            .Select(e => $"  {e.Key.From} → {e.Key.To}: {e.Value}")
            .Order(StringComparer.Ordinal);
        return $"{component.Count} folders in a loop, for one: {string.Join(" → ", path)}. Its edges:\n{string.Join('\n', inside)}";
    }
}
