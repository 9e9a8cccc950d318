// cann-caps.h — the per-SoC capability table (which op runs in which dtype on which Ascend chip)
// and the backend's supports() entry. Not here: the op mappings (cann-ops-*.cpp).
#pragma once
#include <string>

#include "../../core/view.h"

namespace ntcann {

enum SocFamily { SOC_A2, SOC_A3, SOC_310P, SOC_910, SOC_UNKNOWN };
// Family of an aclrtGetSocName() string: Ascend910B* (A2), Ascend910_93* (A3, 910C), Ascend310P*,
// other Ascend910* (first generation); anything else is unknown and treated like A2.
SocFamily soc_family(const std::string& soc);
const char* soc_family_name(SocFamily f);

// 1 if `op` runs in `dtype` on this machine's chip with the installed CANN; 0 with `why` (naming the
// aclnn operator, the dtype and the SoC) if not.
int supports_dtype(int op, int dtype, bool allow_down_precision, std::string* why);
// The vtable's supports(args).
int supports(const nt_args* a, nt_error* err);

}  // namespace ntcann
