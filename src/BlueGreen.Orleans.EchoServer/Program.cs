using BlueGreen.Orleans.EchoServer;

var builder = WebApplication.CreateSlimBuilder(args);
var options = EchoOptions.From(builder.Configuration);
builder.WebHost.UseKestrel(k => k.Listen(options.Address, options.Port));
builder.Logging.SetMinimumLevel(LogLevel.Warning);

var app = builder.Build();
app.MapEcho(options);
await app.RunAsync();
