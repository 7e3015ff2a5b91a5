using EdgeAllowlist.Emulator;

// dotnet run --project src/EdgeAllowlist.Emulator -- --urls http://127.0.0.1:8080
await EmulatorHost.Create(args).RunAsync();
