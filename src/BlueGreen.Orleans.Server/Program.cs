using BlueGreen.Orleans.Server;

// appsettings.json is read from beside the binary, wherever the server is started from.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
ServerOptions options;
try
{
    options = builder.AddBlueGreenServer();
}
catch (InvalidOperationException e)
{
    // Invalid settings, unreadable token files, a data directory in use: a sentence, not a stack trace.
    await Console.Error.WriteLineAsync("bluegreen-server: " + e.Message);
    return ServerExitCodes.InvalidConfiguration;
}

var app = builder.Build();
app.MapBlueGreenServer(options);
await app.RunAsync();
return 0;
