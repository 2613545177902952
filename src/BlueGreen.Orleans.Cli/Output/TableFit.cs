using Spectre.Console;
using Spectre.Console.Rendering;

namespace BlueGreen.Orleans.Cli.Output;

/// <summary>
/// Column widths that never cut a word. Spectre shrinks a too-wide table by taking width from its widest columns and
/// then from every column evenly, below their longest word, and ellipsizes headers there ("outc…"). Here only the
/// columns wider than their longest word give width, widest first, and each column is then fixed at its width; a table
/// whose longest words alone do not fit stays wider than asked.
/// </summary>
internal static class TableFit
{
    /// <summary>Wider than any output of this CLI: the width a measurement may assume.</summary>
    public const int Unbounded = 10_000;

    /// <summary>Fixes the columns of <paramref name="table"/> to fit <paramref name="width"/> if it can; returns the table's width.</summary>
    public static int Fit(Table table, RenderOptions options, int width)
    {
        var natural = ((IRenderable)table).Measure(options, Unbounded).Max;
        if (natural <= width || table.Columns.Count == 0)
        {
            return natural;
        }

        var measured = table.Columns.Select((column, i) => Column(table, column, i, options)).ToList();
        var chrome = natural - measured.Sum(m => m.Max);
        var widths = measured.Select(m => m.Max).ToArray();
        var excess = widths.Sum() + chrome - width;
        while (excess > 0)
        {
            // The widest column that can still give a character without cutting a word.
            var widest = -1;
            for (var i = 0; i < widths.Length; i++)
            {
                if (widths[i] > measured[i].Min && (widest < 0 || widths[i] > widths[widest]))
                {
                    widest = i;
                }
            }

            if (widest < 0)
            {
                break;
            }

            widths[widest]--;
            excess--;
        }

        for (var i = 0; i < widths.Length; i++)
        {
            table.Columns[i].Width = widths[i];
        }

        return widths.Sum() + chrome;
    }

    /// <summary>A column's narrowest (its longest word) and natural width, header and cells, without padding.</summary>
    private static Measurement Column(Table table, TableColumn column, int index, RenderOptions options)
    {
        var parts = table.Rows.Select(row => row[index]).Prepend(column.Header).Select(p => p.Measure(options, Unbounded)).ToList();
        return new Measurement(parts.Max(m => m.Min), parts.Max(m => m.Max));
    }
}
