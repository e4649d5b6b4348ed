package datasets

import "github.com/mhealthsec/mhealthsec/internal/inputerr"

// InputError is one bad value in a study file: where it is, what was expected and what was
// there. Line is 1-based and counts the header. It is the module's one input-position error
// (inputerr.Error), so errors.As finds it whichever reader failed.
type InputError = inputerr.Error
