using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace Vireo.Daemon;

/// <summary>
/// API tokens: <c>vireo_ID_SECRET</c>, ID 16 hex digits (public: listed, revoked by), SECRET 64 hex digits (32 random
/// bytes). Only SHA-256(SECRET) is stored; a presented secret is compared with it in constant time.
/// </summary>
internal static partial class ApiTokens
{
    public const string Prefix = "vireo_";
    private const int IdBytes = 8;
    private const int SecretBytes = 32;

    /// <summary>A new token and its parts.</summary>
    public static (string Id, string Secret, string Token) Generate()
    {
        var id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(IdBytes));
        var secret = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(SecretBytes));
        return (id, secret, $"{Prefix}{id}_{secret}");
    }

    /// <summary>Splits a presented token; false when it does not have the shape of one (nothing else is checked).</summary>
    public static bool TryParse(string? token, out string id, out string secret)
    {
        id = secret = "";
        if (token is null || !TokenShape().IsMatch(token))
            return false;
        id = token.Substring(Prefix.Length, IdBytes * 2);
        secret = token[(Prefix.Length + IdBytes * 2 + 1)..];
        return true;
    }

    /// <summary>The stored form of a secret: SHA-256, lowercase hex.</summary>
    public static string Hash(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    /// <summary>Whether <paramref name="secret"/> hashes to <paramref name="storedHash"/>, in time independent of where they differ.</summary>
    public static bool Matches(string secret, string storedHash)
    {
        var presented = SHA256.HashData(Encoding.UTF8.GetBytes(secret));
        byte[] stored;
        try
        {
            stored = Convert.FromHexString(storedHash);
        }
        catch (FormatException)
        {
            return false;
        }
        return CryptographicOperations.FixedTimeEquals(presented, stored);
    }

    /// <summary>See <see cref="Vireo.Contracts.TokenLifetime.Parse"/>.</summary>
    public static TimeSpan? ParseLifetime(string? text) => Vireo.Contracts.TokenLifetime.Parse(text);

    [GeneratedRegex("^vireo_[0-9a-f]{16}_[0-9a-f]{64}$", RegexOptions.CultureInvariant)]
    private static partial Regex TokenShape();
}
