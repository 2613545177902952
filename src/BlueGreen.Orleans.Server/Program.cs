using BlueGreen.Orleans.Server;

var builder = WebApplication.CreateBuilder(args);
var role = builder.AddBlueGreenServer();
var app = builder.Build();
app.MapBlueGreenServer(role);
await app.RunAsync();
