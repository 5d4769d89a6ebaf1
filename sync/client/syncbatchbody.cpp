#include "syncbatchbody.h"

#include <cstring>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/wire_format_lite.h>
#include <vector>

namespace safeguard::syncclient {

namespace {

using google::protobuf::internal::WireFormatLite;
using google::protobuf::io::CodedOutputStream;

// Field numbers of v1::RecordEnvelope and v1::SyncBatch.records; the
// generated constants keep them in step with the .proto.
constexpr int kRecordId = v1::RecordEnvelope::kRecordIdFieldNumber;
constexpr int kVersion = v1::RecordEnvelope::kVersionFieldNumber;
constexpr int kPriority = v1::RecordEnvelope::kPriorityFieldNumber;
constexpr int kSha256 = v1::RecordEnvelope::kSha256FieldNumber;
constexpr int kSealed = v1::RecordEnvelope::kSealedFieldNumber;
constexpr int kSealScheme = v1::RecordEnvelope::kSealSchemeFieldNumber;
constexpr int kSessionSignature = v1::RecordEnvelope::kSessionSignatureFieldNumber;
constexpr int kRecords = v1::SyncBatch::kRecordsFieldNumber;

// One tag byte is enough for every field number here (all below 16).
static_assert(kRecords < 16 && kSealScheme < 16 && kSessionSignature < 16);

size_t bytesFieldSize(size_t length)
{
    return length == 0 ? 0 : 1 + CodedOutputStream::VarintSize32(uint32_t(length)) + length;
}

struct EnvelopeView
{
    QByteArray recordId; // UTF-8, as std::string fields hold it
    uint32_t version;
    int priority;
    const SealedEntry *entry;
    size_t size; // of the envelope's own fields
};

uint8_t *writeBytes(int field, const char *data, size_t length, uint8_t *target)
{
    if (length == 0) // proto3 leaves empty scalars off the wire
        return target;
    target =
        WireFormatLite::WriteTagToArray(field, WireFormatLite::WIRETYPE_LENGTH_DELIMITED, target);
    target = CodedOutputStream::WriteVarint32ToArray(uint32_t(length), target);
    std::memcpy(target, data, length);
    return target + length;
}

} // namespace

QByteArray encodeSyncBatch(const v1::SyncBatch &head, const QList<SealedEntry> &entries)
{
    Q_ASSERT(head.records_size() == 0);
    std::vector<EnvelopeView> views;
    views.reserve(size_t(entries.size()));
    const size_t headSize = head.ByteSizeLong();
    size_t total = headSize;
    for (const SealedEntry &e : entries) {
        EnvelopeView v{e.recordId.toUtf8(), uint32_t(e.version),
                       e.urgent ? v1::PRIORITY_URGENT : v1::PRIORITY_NORMAL, &e, 0};
        v.size = bytesFieldSize(size_t(v.recordId.size())) +
                 (v.version ? 1 + CodedOutputStream::VarintSize32(v.version) : 0) +
                 (v.priority ? 1 + WireFormatLite::EnumSize(v.priority) : 0) +
                 bytesFieldSize(size_t(e.sha256.size())) + bytesFieldSize(size_t(e.sealed.size())) +
                 (e.scheme ? 1 + WireFormatLite::EnumSize(int(e.scheme)) : 0) +
                 bytesFieldSize(size_t(e.sessionSignature.size()));
        total += 1 + CodedOutputStream::VarintSize32(uint32_t(v.size)) + v.size;
        views.push_back(std::move(v));
    }

    QByteArray body(qsizetype(total), Qt::Uninitialized);
    auto *const begin = reinterpret_cast<uint8_t *>(body.data());
    uint8_t *target = head.SerializeWithCachedSizesToArray(begin);
    for (const EnvelopeView &v : views) {
        const SealedEntry &e = *v.entry;
        target = WireFormatLite::WriteTagToArray(kRecords,
                                                 WireFormatLite::WIRETYPE_LENGTH_DELIMITED, target);
        target = CodedOutputStream::WriteVarint32ToArray(uint32_t(v.size), target);
        target = writeBytes(kRecordId, v.recordId.constData(), size_t(v.recordId.size()), target);
        if (v.version)
            target = WireFormatLite::WriteUInt32ToArray(kVersion, v.version, target);
        if (v.priority)
            target = WireFormatLite::WriteEnumToArray(kPriority, v.priority, target);
        target = writeBytes(kSha256, e.sha256.constData(), size_t(e.sha256.size()), target);
        target = writeBytes(kSealed, e.sealed.constData(), size_t(e.sealed.size()), target);
        if (e.scheme)
            target = WireFormatLite::WriteEnumToArray(kSealScheme, int(e.scheme), target);
        target = writeBytes(kSessionSignature, e.sessionSignature.constData(),
                            size_t(e.sessionSignature.size()), target);
    }
    Q_ASSERT(target == begin + total);
    return body;
}

} // namespace safeguard::syncclient
