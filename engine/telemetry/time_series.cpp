#include "engine/telemetry/time_series.h"

#include <algorithm>

namespace ilab::telemetry {
namespace {

// Floor division: seconds before the epoch still land in the right chunk.
std::int64_t chunkIndex(std::int64_t second) {
    const std::int64_t q = second / TimeSeries::kChunkSeconds;
    return (second % TimeSeries::kChunkSeconds < 0) ? q - 1 : q;
}

std::size_t slotOf(std::int64_t second) {
    const std::int64_t r = second % TimeSeries::kChunkSeconds;
    return static_cast<std::size_t>(r < 0 ? r + TimeSeries::kChunkSeconds : r);
}

}  // namespace

double SeriesPoint::meanLatencyMicros() const {
    return requests == 0 ? 0.0
                         : static_cast<double>(latency_sum_us) / static_cast<double>(requests);
}

TimeSeries::TimeSeries(std::int64_t window_seconds)
    : window_seconds_(std::max<std::int64_t>(1, window_seconds)) {}

std::int64_t TimeSeries::firstSecond() const {
    if (chunks_.empty()) return 0;
    for (const SeriesPoint& p : chunks_.front()->points) {
        if (p.requests != 0) return p.second;
    }
    return chunks_.front()->index * kChunkSeconds;
}

std::int64_t TimeSeries::lastSecond() const {
    return chunks_.empty() ? -1 : newest_;
}

const TimeSeries::Chunk* TimeSeries::findChunk(std::int64_t index) const {
    auto it = std::lower_bound(chunks_.begin(), chunks_.end(), index,
                               [](const auto& chunk, std::int64_t i) { return chunk->index < i; });
    return (it != chunks_.end() && (*it)->index == index) ? it->get() : nullptr;
}

SeriesPoint TimeSeries::at(std::int64_t second) const {
    if (const Chunk* c = findChunk(chunkIndex(second))) {
        const SeriesPoint& p = c->points[slotOf(second)];
        if (p.requests != 0) return p;
    }
    SeriesPoint zero;
    zero.second = second;
    return zero;
}

std::vector<SeriesPoint> TimeSeries::range(std::int64_t first, std::int64_t last) const {
    std::vector<SeriesPoint> out;
    if (last < first) return out;
    out.reserve(static_cast<std::size_t>(last - first + 1));
    for (std::int64_t s = first; s <= last; ++s)
        out.push_back(at(s));
    return out;
}

SeriesPoint* TimeSeries::mutablePoint(std::int64_t second, std::uint64_t generation) {
    newest_ = chunks_.empty() ? second : std::max(newest_, second);
    prune(newest_);
    if (second < newest_ - window_seconds_ + 1) return nullptr;
    const std::int64_t index = chunkIndex(second);
    auto it = std::lower_bound(chunks_.begin(), chunks_.end(), index,
                               [](const auto& chunk, std::int64_t i) { return chunk->index < i; });
    if (it == chunks_.end() || (*it)->index != index) {
        auto chunk = std::make_shared<Chunk>();
        chunk->index = index;
        chunk->generation = generation;
        it = chunks_.insert(it, std::move(chunk));
    } else if ((*it)->generation != generation) {
        // A snapshot published under an earlier generation may hold this chunk: copy on write.
        auto copy = std::make_shared<Chunk>(**it);
        copy->generation = generation;
        *it = std::move(copy);
    }
    SeriesPoint& p = (*it)->points[slotOf(second)];
    p.second = second;
    return &p;
}

void TimeSeries::prune(std::int64_t now_second) {
    const std::int64_t oldest_kept = now_second - window_seconds_ + 1;
    while (!chunks_.empty() && (chunks_.front()->index + 1) * kChunkSeconds - 1 < oldest_kept) {
        chunks_.pop_front();
    }
}

}  // namespace ilab::telemetry
