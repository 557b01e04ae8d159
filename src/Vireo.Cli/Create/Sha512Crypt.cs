using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace Vireo.Cli.Create;

/// <summary>
/// SHA-512 crypt (<c>$6$SALT$HASH</c>, the format of /etc/shadow) through the system's libcrypt (libxcrypt), so that a
/// password is hashed in the CLI and only the hash leaves it. Not hand-written: libxcrypt is what the guest's own
/// login checks the hash with.
/// </summary>
internal static partial class Sha512Crypt
{
    /// <summary>Characters crypt(3) salts are made of.</summary>
    private const string SaltAlphabet = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    /// <summary>sizeof(struct crypt_data) in libxcrypt.</summary>
    private const int CryptDataSize = 32768;

    /// <summary>Hashes <paramref name="password"/> with a fresh random 16-character salt.</summary>
    public static string Hash(string password) => Hash(password, NewSalt());

    /// <summary>A random 16-character salt from <see cref="RandomNumberGenerator"/>.</summary>
    public static string NewSalt() => new(RandomNumberGenerator.GetItems(SaltAlphabet.AsSpan(), 16));

    /// <summary>Hashes <paramref name="password"/> with <paramref name="salt"/> (up to 16 characters of [./0-9A-Za-z]).</summary>
    public static unsafe string Hash(string password, string salt)
    {
        ArgumentNullException.ThrowIfNull(password);
        ArgumentNullException.ThrowIfNull(salt);
        if (password.Contains('\0', StringComparison.Ordinal))
            throw new ArgumentException("a password cannot contain a NUL character", nameof(password));
        var data = (byte*)NativeMemory.AllocZeroed(CryptDataSize);
        try
        {
            nint result;
            try
            {
                result = CryptRn(password, "$6$" + salt, data, CryptDataSize);
            }
            catch (DllNotFoundException e)
            {
                throw new InvalidOperationException("cannot hash the password: libcrypt.so.1 (Debian package libcrypt1) is not installed", e);
            }
            var hash = result == 0 ? null : Marshal.PtrToStringUTF8(result);
            if (hash is null || !hash.StartsWith("$6$", StringComparison.Ordinal))
                throw new InvalidOperationException($"cannot hash the password: libcrypt refused the SHA-512 setting (errno {Marshal.GetLastPInvokeError()})");
            return hash;
        }
        finally
        {
            // struct crypt_data holds the password while hashing: wipe it.
            NativeMemory.Clear(data, CryptDataSize);
            NativeMemory.Free(data);
        }
    }

    [LibraryImport("libcrypt.so.1", EntryPoint = "crypt_rn", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static unsafe partial nint CryptRn(string phrase, string setting, byte* data, int size);
}
