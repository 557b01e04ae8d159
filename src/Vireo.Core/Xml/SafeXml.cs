using System.Xml;
using System.Xml.Linq;

namespace Vireo.Core.Xml;

/// <summary>
/// XML read from users' files (libvirt domains, OVF descriptors): no DTD (so no entity expansion and no external
/// entities), no resolver, a size bound, comments and processing instructions dropped. Throws <see cref="XmlException"/>.
/// </summary>
internal static class SafeXml
{
    public static XDocument Load(string xml, int maxChars, LoadOptions options = LoadOptions.None)
    {
        var settings = new XmlReaderSettings
        {
            DtdProcessing = DtdProcessing.Prohibit,
            XmlResolver = null,
            MaxCharactersInDocument = maxChars,
            IgnoreComments = true,
            IgnoreProcessingInstructions = true,
        };
        using var reader = XmlReader.Create(new StringReader(xml), settings);
        return XDocument.Load(reader, options);
    }
}
