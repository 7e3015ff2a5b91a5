namespace EdgeAllowlist.Bench;

/// <summary>An end-to-end measurement that prints its figures as counts and ratios.</summary>
public interface IScenario
{
    string Name { get; }

    string Description { get; }

    Task<int> RunAsync(string[] args);
}
