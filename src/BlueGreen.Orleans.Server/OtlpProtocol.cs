namespace BlueGreen.Orleans.Server;

public enum OtlpProtocol
{
    Grpc,
    HttpProtobuf,
}
