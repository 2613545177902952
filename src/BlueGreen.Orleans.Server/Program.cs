using BlueGreen.Orleans.Server;

var builder = WebApplication.CreateBuilder(args);
var options = builder.AddBlueGreenServer();
var app = builder.Build();
app.MapBlueGreenServer(options);
await app.RunAsync();
