using System.CommandLine;
using Grpc.Core;
using Spectre.Console;

namespace BlueGreen.Orleans.Cli;

/// <summary>Gives each command its context and turns every failure into a message and an exit code.</summary>
internal sealed class CommandRunner(IAnsiConsole console, GlobalOptions globals)
{
    public IAnsiConsole Console => console;

    public Command Handle(Command command, Func<CliContext, ParseResult, CancellationToken, Task<int>> handler)
    {
        command.SetAction(async (parse, cancellationToken) =>
        {
            try
            {
                using var context = new CliContext(console, ServerUri(parse.GetValue(globals.Server)!), Token(parse.GetValue(globals.Token)), parse.GetValue(globals.Output));
                return await handler(context, parse, cancellationToken);
            }
            catch (CliException e)
            {
                return Fail(e.Message, e.ExitCode);
            }
            catch (RpcException e)
            {
                return Fail($"{e.StatusCode}: {e.Status.Detail}", ExitCodeOf(e.StatusCode));
            }
        });
        return command;
    }

    public static int ExitCodeOf(StatusCode code) => code switch
    {
        StatusCode.Unauthenticated or StatusCode.PermissionDenied => ExitCodes.Unauthorized,
        StatusCode.InvalidArgument or StatusCode.NotFound or StatusCode.AlreadyExists or StatusCode.FailedPrecondition => ExitCodes.Refused,
        StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.Cancelled => ExitCodes.Unreachable,
        _ => ExitCodes.Failed,
    };

    private int Fail(string message, int exitCode)
    {
        console.MarkupLine($"[red]error:[/] {Markup.Escape(message)}");
        return exitCode;
    }

    /// <summary>
    /// A bearer token is visible ASCII (RFC 6750): anything else cannot be sent as a header and used to end as an
    /// INTERNAL "error starting gRPC call" (exit 1). The value is never echoed.
    /// </summary>
    private static string? Token(string? value) =>
        value is null || (value.Length is > 0 and <= 4096 && value.All(c => c is >= '!' and <= '~'))
            ? value
            : throw new CliException("--token: a bearer token is 1-4096 visible ASCII characters, without spaces (the value is not shown).");

    private static Uri ServerUri(string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
            ? uri
            : throw new CliException($"--server '{Names.Printable(value)}': use http://host:port or https://host:port.");
}
