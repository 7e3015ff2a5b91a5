using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace EdgeAllowlist.Audit.Tests;

static class TestRunGuard
{
    /// <summary>Before any test of this assembly can start a process, so every process the run starts is stopped with it (see <see cref="TestProcesses"/>).</summary>
    [ModuleInitializer]
    [SuppressMessage("Usage", "CA2255", Justification = "A test assembly, loaded only by the test host: guarding the run is its start-up work.")]
    internal static void Guard() => TestProcesses.Guard();
}
