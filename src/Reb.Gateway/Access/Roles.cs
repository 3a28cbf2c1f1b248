namespace Reb.Gateway.Access;

/// <summary>The three roles, each including the rights of the ones below it: operator &lt; engineer &lt;
/// admin.</summary>
public static class Roles
{
    /// <summary>Inspect and read.</summary>
    public const string Operator = "operator";
    /// <summary>+ train, promote, roll back, set the threshold.</summary>
    public const string Engineer = "engineer";
    /// <summary>+ manage the site's API keys.</summary>
    public const string Admin = "admin";

    public static readonly IReadOnlyList<string> All = [Operator, Engineer, Admin];

    /// <summary>0 operator, 1 engineer, 2 admin; -1 for anything else.</summary>
    public static int Rank(string? role) => role switch { Operator => 0, Engineer => 1, Admin => 2, _ => -1 };

    public static bool IsValid(string? role) => Rank(role) >= 0;

    /// <summary>Authorization policy name that requires at least <paramref name="role"/> (policies are named after
    /// roles).</summary>
    public static string AtLeast(string role) => role;
}
