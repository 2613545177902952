using System.CommandLine;
using Grpc.Core;
using Spectre.Console;

namespace BlueGreen.Orleans.Cli;

/// <summary>Gives each command its context and turns every failure into a message and an exit code.</summary>
internal sealed class CommandRunner(IAnsiConsole console, GlobalOptions globals)
{
    public IAnsiConsole Console => console;

    /// <param name="notFound">For a command whose argument names a service or proxy: suggests the closest names on NotFound.</param>
    public Command Handle(Command command, Func<CliContext, ParseResult, CancellationToken, Task<int>> handler, NotFoundHint? notFound = null)
    {
        command.SetAction(async (parse, cancellationToken) =>
        {
            try
            {
                var server = ServerUri(parse.GetValue(globals.Server)!);
                var token = TokenSource.Resolve(parse.GetValue(globals.TokenFile), parse.GetValue(globals.Token), Environment.GetEnvironmentVariable);
                if (ServerTransport.CleartextRefusal(server, token is not null, parse.GetValue(globals.Insecure)) is { } refusal)
                {
                    throw new CliException(refusal);
                }

                using var context = new CliContext(console, server, token, parse.GetValue(globals.Output), parse.GetValue(globals.CaFile));
                try
                {
                    return await handler(context, parse, cancellationToken);
                }
                catch (RpcException e) when (e.StatusCode == StatusCode.NotFound && notFound is not null)
                {
                    return Fail($"{e.StatusCode}: {e.Status.Detail}{await notFound.ForAsync(context, parse, cancellationToken)}", ExitCodeOf(e.StatusCode));
                }
            }
            catch (CliException e)
            {
                return Fail(e.Message, e.ExitCode);
            }
            catch (RpcException e) when (ServerTransport.TlsFailure(e) is { } tls)
            {
                // No server answered (gRPC reports it as Unavailable or Internal): unreachable, with what to change.
                return Fail(tls, ExitCodes.Unreachable);
            }
            catch (RpcException e) when (ServerTransport.NoGrpcEndpoint(e, Names.Printable(parse.GetValue(globals.Server)!)) is { } notGrpc)
            {
                return Fail(notGrpc, ExitCodes.Unreachable);
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
        // The server was reached: a storage failure is not "unreachable" (TLS failures that gRPC reports as Internal are caught before).
        StatusCode.Internal => ExitCodes.ServerFailed,
        _ => ExitCodes.Failed,
    };

    private int Fail(string message, int exitCode)
    {
        console.MarkupLine($"[red]error:[/] {Markup.Escape(message)}");
        return exitCode;
    }

    private static Uri ServerUri(string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
            ? uri
            : throw new CliException($"--server '{Names.Printable(value)}': use http://host:port or https://host:port.");
}
