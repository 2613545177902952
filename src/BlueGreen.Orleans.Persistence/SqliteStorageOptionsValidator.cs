using Orleans;
using Orleans.Runtime;

namespace BlueGreen.Orleans.Persistence;

/// <summary>Fails silo start on a missing or malformed database path, before any grain needs the provider.</summary>
internal sealed class SqliteStorageOptionsValidator(SqliteStorageOptions options, string name) : IConfigurationValidator
{
    public void ValidateConfiguration()
    {
        if (string.IsNullOrWhiteSpace(options.DatabasePath))
        {
            throw new OrleansConfigurationException(
                $"{nameof(SqliteStorageOptions)}.{nameof(SqliteStorageOptions.DatabasePath)} of provider '{name}' is empty.");
        }

        string fullPath;
        try
        {
            fullPath = Path.GetFullPath(options.DatabasePath);
        }
        catch (Exception exception) when (exception is ArgumentException or NotSupportedException or PathTooLongException)
        {
            throw new OrleansConfigurationException(
                $"{nameof(SqliteStorageOptions)}.{nameof(SqliteStorageOptions.DatabasePath)} of provider '{name}' is not a valid path: {options.DatabasePath}",
                exception);
        }

        if (Directory.Exists(fullPath))
        {
            throw new OrleansConfigurationException(
                $"{nameof(SqliteStorageOptions)}.{nameof(SqliteStorageOptions.DatabasePath)} of provider '{name}' is a folder, not a file: {fullPath}");
        }
    }
}
