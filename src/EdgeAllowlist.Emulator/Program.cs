using EdgeAllowlist.Emulator;
using EdgeAllowlist.Store.Local;

// dotnet run --project src/EdgeAllowlist.Emulator -- --urls http://127.0.0.1:8080
WebApplication emulator;
try
{
    emulator = EmulatorHost.Create(args);
}
catch (LocalStoreDamagedException damaged)
{
    // One line an operator can act on, not a stack trace; the folder is left as it was.
    await Console.Error.WriteLineAsync(damaged.Message);
    return LocalStoreDamagedException.ExitCode;
}
await emulator.RunAsync();
return 0;
