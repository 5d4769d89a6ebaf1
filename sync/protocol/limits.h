#pragma once

#include "recordissue.h"

#include <QtGlobal>

namespace google::protobuf {
class FieldDescriptor;
}
namespace safeguard::v1 {
class IncidentRecord;
}

namespace safeguard::protocol {

// Bounds on what one record and one batch may hold. The app checks them at
// submit so an officer is told on scene; the hub enforces the same numbers
// and rejects a record over them (a broken or hostile client). Text is
// measured in Unicode code points (what an officer sees as characters).
struct Limits
{
    // Text fields, by kind (see maxChars for which field is which).
    static constexpr int kShortTextChars = 200;    // names, ids, references
    static constexpr int kReasonTextChars = 2000;  // reasons, rationales, details
    static constexpr int kLongTextChars = 10000;   // observations in the officer's words
    static constexpr int kChildWordsChars = 20000; // the child's own words, verbatim

    // Repeated fields.
    static constexpr int kMaxChildren = 20;
    static constexpr int kMaxAttendingOfficers = 12;
    static constexpr int kMaxAliases = 10;
    static constexpr int kMaxAddressLines = 6;
    static constexpr int kMaxHouseholdMembers = 30;
    static constexpr int kMaxInjuries = 30;
    static constexpr int kMaxIndicators = 10; // one per category
    static constexpr int kMaxRiskAnswers = 100;
    static constexpr int kMaxPeople = 30;           // adults of one incident
    static constexpr int kMaxIndicatorDetails = 30; // a category with several sources
    static constexpr int kMaxVideoReferences = 20;

    // Serialized sizes.
    static constexpr qint64 kMaxRecordBytes = 512 * 1024;
    static constexpr int kMaxBatchRecords = 500;
    static constexpr qint64 kMaxBatchBytes = 8 * 1024 * 1024; // the hub's request body limit
    // A risk instrument definition the hub hands devices (RiskInstrument).
    static constexpr qint64 kMaxRiskInstrumentBytes = 1024 * 1024;

    // The bound for one string field, or for one repeated field's count.
    static int maxChars(const google::protobuf::FieldDescriptor *field);
    static int maxCount(const google::protobuf::FieldDescriptor *field);
};

// Every text field over its length and every repeated field over its count,
// found by walking the schema itself, so a field added later is covered too.
// Codes: "text_too_long", "too_many", "invalid_utf8".
RecordIssues checkLimits(const v1::IncidentRecord &record);

// A serialized record over kMaxRecordBytes (code "record_too_large").
RecordIssues checkRecordSize(qint64 serializedBytes);

// Structural integrity the hub needs to file a record at all: a UUID record
// id, a version chain (version >= 1; parent = version - 1; an amendment
// reason from version 2), unique child and person ids that are UUIDs, no
// form-1-only field in a form-2 record, and enum values this build knows.
// Codes: "invalid_id", "invalid_version", "duplicate_id", "legacy_field",
// "unknown_value", "reason_required".
RecordIssues checkStructure(const v1::IncidentRecord &record);

// checkStructure(record) followed by checkLimits(record), the same issues in
// the same order, from one walk over the record instead of two (the hub
// runs both on every record it receives). With unknownValues, enum values
// this build does not know go there instead: the hub keeps such a record
// (from a newer form) and flags them rather than refusing it.
RecordIssues checkStructureAndLimits(const v1::IncidentRecord &record,
                                     RecordIssues *unknownValues = nullptr);

} // namespace safeguard::protocol
