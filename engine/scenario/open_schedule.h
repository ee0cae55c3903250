#pragma once
// The arrival schedule of an open-model traffic profile: its rate at each moment (constant,
// or ramped linearly through its stages) and the intended send times that follow. Pure, so
// the load generator's timing is tested without sockets or clocks.
#include <chrono>
#include <optional>
#include <vector>

#include "engine/scenario/scenario.h"

namespace ilab::scenario {

using ScheduleClock = std::chrono::steady_clock;

// Requests per second `t` into the profile: `rate` without stages; through each stage a
// linear ramp from the previous rate to its target; after the last stage, its target.
double rateAt(const TrafficProfile& profile, ScheduleClock::duration t);

// Arrivals follow the integral of the rate: the next request is due when the rate summed
// since the previous one reaches one request. (Spacing them by 1/rate at the previous
// arrival stalls a ramp that starts from 0: 1/0.05 per second is a 20 s wait.)
// The first request: at 0 when the rate there is above 0, else when one request has
// accumulated; none when the rate never rises above 0.
std::optional<ScheduleClock::duration> firstArrival(const TrafficProfile& profile);
// The request after one at `t`; none when the rate stays 0 from there on.
std::optional<ScheduleClock::duration> nextArrival(const TrafficProfile& profile,
                                                   ScheduleClock::duration t);

// Every intended send time in [0, length), as offsets from the profile's start.
std::vector<ScheduleClock::duration> openArrivals(const TrafficProfile& profile,
                                                  ScheduleClock::duration length);

}  // namespace ilab::scenario
