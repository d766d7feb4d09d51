// Node-API surface of ShmMapping: a `ShmSegment` object per mapping, plus
// clockPair() for calibrating the runtime's TSC timestamps.
#include <napi.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <memory>

#include "bindings.h"
#include "shm_mapping.h"

namespace iprobe {
namespace {

const char* ErrnoCode(int e) {
  switch (e) {
    case ENOENT: return "ENOENT";
    case EACCES: return "EACCES";
    case EPERM: return "EPERM";
    case ENODATA: return "ENODATA";
    case ELOOP: return "ELOOP";
    default: return "EIO";
  }
}

uint64_t Offset(const Napi::Value& v) {
  if (!v.IsNumber()) throw Napi::TypeError::New(v.Env(), "offset must be a number");
  double d = v.As<Napi::Number>().DoubleValue();
  if (!(d >= 0) || d > 9007199254740991.0 || std::floor(d) != d) {
    throw Napi::RangeError::New(v.Env(), "offset must be a non-negative integer");
  }
  return static_cast<uint64_t>(d);
}

class ShmSegment : public Napi::ObjectWrap<ShmSegment> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "ShmSegment",
                       {InstanceMethod<&ShmSegment::Size>("size"), InstanceMethod<&ShmSegment::Read>("read"),
                        InstanceMethod<&ShmSegment::Load32>("load32"), InstanceMethod<&ShmSegment::Load64>("load64"),
                        InstanceMethod<&ShmSegment::Store32>("store32"),
                        InstanceMethod<&ShmSegment::Store64>("store64"), InstanceMethod<&ShmSegment::Add32>("add32"),
                        InstanceMethod<&ShmSegment::CompareExchange32>("compareExchange32"),
                        InstanceMethod<&ShmSegment::Wake32>("wake32"),
                        InstanceMethod<&ShmSegment::Drain>("drain"),
                        InstanceMethod<&ShmSegment::ReadStable>("readStable"),
                        InstanceMethod<&ShmSegment::Close>("close")});
  }

  // new ShmSegment(path): throws an Error whose `code` is the errno name.
  explicit ShmSegment(const Napi::CallbackInfo& info) : Napi::ObjectWrap<ShmSegment>(info) {
    Napi::Env env = info.Env();
    if (info.Length() < 1 || !info[0].IsString()) throw Napi::TypeError::New(env, "new ShmSegment(path)");
    std::string path = info[0].As<Napi::String>().Utf8Value();
    int errnum = 0;
    mapping_ = ShmMapping::Open(path, &errnum);
    if (!mapping_) {
      Napi::Error error = Napi::Error::New(env, path + ": " + std::strerror(errnum));
      error.Set("code", Napi::String::New(env, ErrnoCode(errnum)));
      throw error;
    }
  }

 private:
  ShmMapping& Mapping(const Napi::CallbackInfo& info) {
    if (!mapping_) throw Napi::Error::New(info.Env(), "the segment is closed");
    return *mapping_;
  }

  uint64_t Checked(const Napi::CallbackInfo& info, size_t arg, uint64_t length, uint64_t align) {
    uint64_t offset = Offset(info[arg]);
    if (!Mapping(info).InBounds(offset, length, align)) {
      throw Napi::RangeError::New(info.Env(), "offset outside the segment or misaligned");
    }
    return offset;
  }

  Napi::Value Size(const Napi::CallbackInfo& info) {
    return Napi::Number::New(info.Env(), static_cast<double>(Mapping(info).size()));
  }

  // read(offset, length): Buffer — a plain copy
  Napi::Value Read(const Napi::CallbackInfo& info) {
    uint64_t length = Offset(info[1]);
    uint64_t offset = Checked(info, 0, length, 1);
    auto out = Napi::Buffer<uint8_t>::New(info.Env(), length);
    Mapping(info).Read(offset, length, out.Data());
    return out;
  }

  Napi::Value Load32(const Napi::CallbackInfo& info) {
    return Napi::Number::New(info.Env(), Mapping(info).Load32(Checked(info, 0, 4, 4)));
  }

  Napi::Value Load64(const Napi::CallbackInfo& info) {
    return Napi::BigInt::New(info.Env(), Mapping(info).Load64(Checked(info, 0, 8, 8)));
  }

  void Store32(const Napi::CallbackInfo& info) {
    uint64_t offset = Checked(info, 0, 4, 4);
    Mapping(info).Store32(offset, info[1].As<Napi::Number>().Uint32Value());
  }

  void Store64(const Napi::CallbackInfo& info) {
    uint64_t offset = Checked(info, 0, 8, 8);
    bool lossless = false;
    uint64_t value = info[1].As<Napi::BigInt>().Uint64Value(&lossless);
    if (!lossless) throw Napi::RangeError::New(info.Env(), "value must fit in 64 bits");
    Mapping(info).Store64(offset, value);
  }

  Napi::Value Add32(const Napi::CallbackInfo& info) {
    uint64_t offset = Checked(info, 0, 4, 4);
    return Napi::Number::New(info.Env(), Mapping(info).Add32(offset, info[1].As<Napi::Number>().Uint32Value()));
  }

  Napi::Value CompareExchange32(const Napi::CallbackInfo& info) {
    uint64_t offset = Checked(info, 0, 4, 4);
    bool swapped = Mapping(info).CompareExchange32(offset, info[1].As<Napi::Number>().Uint32Value(),
                                                   info[2].As<Napi::Number>().Uint32Value());
    return Napi::Boolean::New(info.Env(), swapped);
  }

  Napi::Value Wake32(const Napi::CallbackInfo& info) {
    uint64_t offset = Checked(info, 0, 4, 4);
    return Napi::Number::New(info.Env(), Mapping(info).Wake32(offset, info[1].As<Napi::Number>().Int32Value()));
  }

  // drain({writeIndexOffset, readIndexOffset, eventsOffset, capacity, eventSize}, maxEvents): Buffer
  Napi::Value Drain(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (info.Length() < 2 || !info[0].IsObject()) throw Napi::TypeError::New(env, "drain(ring, maxEvents)");
    Napi::Object o = info[0].As<Napi::Object>();
    RingLocation ring{Offset(o.Get("writeIndexOffset")), Offset(o.Get("readIndexOffset")),
                      Offset(o.Get("eventsOffset")), Offset(o.Get("capacity")), Offset(o.Get("eventSize"))};
    ShmMapping& m = Mapping(info);
    bool power_of_two = ring.capacity && !(ring.capacity & (ring.capacity - 1));
    if (!power_of_two || !m.InBounds(ring.write_index_offset, 8, 8) || !m.InBounds(ring.read_index_offset, 8, 8) ||
        !m.InBounds(ring.events_offset, ring.capacity * ring.event_size, 8)) {
      throw Napi::RangeError::New(env, "ring outside the segment");
    }
    std::vector<uint8_t> events;
    m.Drain(ring, Offset(info[1]), &events);
    return Napi::Buffer<uint8_t>::Copy(env, events.data(), events.size());
  }

  // readStable(seqOffset, ranges: Float64Array [offset, length, ...], attempts): Buffer | null
  Napi::Value ReadStable(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (info.Length() < 3 || !info[1].IsTypedArray()) {
      throw Napi::TypeError::New(env, "readStable(seqOffset, ranges, attempts)");
    }
    uint64_t seq = Checked(info, 0, 4, 4);
    auto flat = info[1].As<Napi::Float64Array>();
    std::vector<std::pair<uint64_t, uint64_t>> ranges;
    for (size_t i = 0; i + 1 < flat.ElementLength(); i += 2) {
      auto offset = static_cast<uint64_t>(flat[i]);
      auto length = static_cast<uint64_t>(flat[i + 1]);
      if (!Mapping(info).InBounds(offset, length, 1)) throw Napi::RangeError::New(env, "range outside the segment");
      ranges.emplace_back(offset, length);
    }
    std::vector<uint8_t> out;
    if (!Mapping(info).ReadStable(seq, ranges, info[2].As<Napi::Number>().Int32Value(), &out)) return env.Null();
    return Napi::Buffer<uint8_t>::Copy(env, out.data(), out.size());
  }

  void Close(const Napi::CallbackInfo&) { mapping_.reset(); }

  std::unique_ptr<ShmMapping> mapping_;
};

// clockPair(): [ticks: bigint, monotonicNs: bigint]
Napi::Value ClockPair(const Napi::CallbackInfo& info) {
  uint64_t ticks, ns;
  ReadClockPair(&ticks, &ns);
  Napi::Array pair = Napi::Array::New(info.Env(), 2);
  pair.Set(0u, Napi::BigInt::New(info.Env(), ticks));
  pair.Set(1u, Napi::BigInt::New(info.Env(), ns));
  return pair;
}

}  // namespace

void RegisterShm(Napi::Env env, Napi::Object exports) {
  exports.Set("ShmSegment", ShmSegment::Define(env));
  exports.Set("clockPair", Napi::Function::New(env, ClockPair, "clockPair"));
}

}  // namespace iprobe
