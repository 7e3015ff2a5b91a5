using System.Reflection;
using BenchmarkDotNet.Running;
using EdgeAllowlist.Bench;

// Two kinds of benchmark live here:
//   dotnet run -c Release --project bench/EdgeAllowlist.Bench -- bdn [BenchmarkDotNet args]   micro-benchmarks
//   dotnet run -c Release --project bench/EdgeAllowlist.Bench -- <scenario> [args]              scenario runs that count calls and time end to end
if (args is ["bdn", .. var bdnArgs])
{
    BenchmarkSwitcher.FromAssembly(typeof(IScenario).Assembly).Run(bdnArgs);
    return 0;
}

var scenarios = typeof(IScenario).Assembly.GetTypes()
    .Where(t => t is { IsAbstract: false, IsInterface: false } && typeof(IScenario).IsAssignableFrom(t))
    .Select(t => (IScenario)Activator.CreateInstance(t)!)
    .OrderBy(s => s.Name, StringComparer.Ordinal)
    .ToList();

var chosen = args.Length > 0 ? scenarios.FirstOrDefault(s => s.Name == args[0]) : null;
if (chosen is null)
{
    Console.WriteLine("usage: EdgeAllowlist.Bench bdn [BenchmarkDotNet args] | <scenario> [args]");
    Console.WriteLine("scenarios:");
    foreach (var s in scenarios) Console.WriteLine($"  {s.Name,-28} {s.Description}");
    return args.Length > 0 ? 2 : 0;
}

// Every run ends: a hung one is stopped and says what it was waiting for.
return await BenchProgress.RunWithinAsync(chosen.Name, TimeSpan.FromMinutes(60), () => chosen.RunAsync(args[1..]));
