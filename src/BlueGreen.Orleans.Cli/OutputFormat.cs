namespace BlueGreen.Orleans.Cli;

public enum OutputFormat
{
    Table,
    Json,
}
