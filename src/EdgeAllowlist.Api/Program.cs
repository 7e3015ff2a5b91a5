// Placeholder until the API lands (issue 4).
var app = WebApplication.CreateBuilder(args).Build();
app.Run();

public partial class Program;
