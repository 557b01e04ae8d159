using Vireo.Contracts;
using Vireo.Core.CloudInit;

namespace Vireo.Core.Specs;

public static partial class VmSpecValidator
{
    private static void ValidateCloudInit(CloudInitSpec? ci, Errors errors)
    {
        if (ci is null) return;
        foreach (var (field, value, message) in CloudInitRules.Check(ci))
            errors.Add(field, value, message);
    }
}
