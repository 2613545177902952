using BlueGreen.Orleans.Harness;
using Orleans.Runtime;

namespace BlueGreen.Orleans.Persistence.Tests;

public sealed class SqliteStorageOptionsValidatorTests
{
    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void ValidateConfiguration_EmptyPath_ThrowsNamingTheProvider(string path)
    {
        var validator = new SqliteStorageOptionsValidator(new SqliteStorageOptions { DatabasePath = path }, "Default");

        var error = Assert.Throws<OrleansConfigurationException>(validator.ValidateConfiguration);

        Assert.Contains("'Default'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ValidateConfiguration_PathIsAFolder_Throws()
    {
        using var folder = new TempFolder("sqlite-validator");
        var validator = new SqliteStorageOptionsValidator(new SqliteStorageOptions { DatabasePath = folder.Path }, "Default");

        Assert.Throws<OrleansConfigurationException>(validator.ValidateConfiguration);
    }

    [Fact]
    public void ValidateConfiguration_FileInMissingFolder_Passes()
    {
        using var folder = new TempFolder("sqlite-validator");
        var validator = new SqliteStorageOptionsValidator(
            new SqliteStorageOptions { DatabasePath = Path.Combine(folder.Path, "not-yet", "bluegreen.db") }, "Default");

        // The folder is created when the provider starts, not by validation.
        Assert.Null(Record.Exception(validator.ValidateConfiguration));
    }
}
