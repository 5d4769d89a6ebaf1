#pragma once

#include "safeguard/v1/record.pb.h"

#include <functional>
#include <string>

namespace safeguard::protocol {

// Brings a draft written on an older form up to the current one, so an
// officer who updates the app mid-shift finishes the record on the form the
// hub's rules expect. Nothing the officer wrote is dropped: form 1's
// per-child household becomes the incident's people (one person for a name
// that several children listed, never for two entries of one child or a
// placeholder like "Dad") with each child's relationship to them, its kind
// read only from an unambiguous phrase and the words kept; the two notice flags and their one
// shared reason become a decision per notice; the ACE indicators become indicators whose source is
// still to be said (the officer is asked, it is never guessed); "not in
// education" becomes the setting type. Submitted records are never migrated:
// the hub keeps what the officer saw (IncidentRecord.form_version).
class FormMigration
{
public:
    // True when the record changed (it was on an older form). Person ids are
    // made by newId (a UUID in the app; deterministic in tests).
    static bool toCurrentForm(v1::IncidentRecord &record,
                              const std::function<std::string()> &newId);
};

} // namespace safeguard::protocol
