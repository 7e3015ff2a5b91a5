// Placeholder until the emulator host lands (issue 2).
var app = WebApplication.CreateBuilder(args).Build();
app.Run();
