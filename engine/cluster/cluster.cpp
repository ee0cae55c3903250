// The cluster's control plane: pod lifecycle (start, readiness, crash, back-off, restart,
// termination), behaviours, faults, events and the endpoint table. Sockets and HTTP live in
// pod_server.cpp; this TU uses Asio only for its strand and timers.
#include "engine/cluster/cluster.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <set>
#include <utility>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include "engine/cluster/behavior.h"
#include "engine/cluster/pod_server.h"
#include "engine/cluster/topology.h"
#include "engine/model/external_name.h"

namespace ilab::cluster {

std::string_view podPhaseName(PodPhase phase) {
    switch (phase) {
        case PodPhase::Pending:
            return "Pending";
        case PodPhase::Running:
            return "Running";
        case PodPhase::Terminating:
            return "Terminating";
        case PodPhase::CrashLoopBackOff:
            return "CrashLoopBackOff";
        case PodPhase::Stopped:
            return "Stopped";
    }
    return "Unknown";
}

namespace {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;

// kubelet forgets earlier crashes once a container has run this long.
constexpr std::chrono::minutes kBackoffReset{10};
// stop() waits at most this long for the io_context to close everything.
constexpr std::chrono::seconds kStopWait{5};

std::string_view faultKindName(FaultSpec::Kind kind) {
    switch (kind) {
        case FaultSpec::Kind::Kill:
            return "kill";
        case FaultSpec::Kind::Unready:
            return "unready";
        case FaultSpec::Kind::Latency:
            return "latency";
        case FaultSpec::Kind::Status:
            return "status";
        case FaultSpec::Kind::Reset:
            return "reset";
        case FaultSpec::Kind::BlackHole:
            return "black-hole";
        case FaultSpec::Kind::Throttle:
            return "throttle";
        case FaultSpec::Kind::CloseAfterHeaders:
            return "close-after-headers";
    }
    return "unknown";
}

std::string describe(const Target& target) {
    const char* kind = target.kind == Target::Kind::Pod        ? "pod"
                       : target.kind == Target::Kind::Workload ? "workload"
                                                               : "service";
    return std::string(kind) + " " + target.namespace_ + "/" + target.name;
}

bool sameTarget(const Target& a, const Target& b) {
    return a.kind == b.kind && a.namespace_ == b.namespace_ && a.name == b.name;
}

int validStatus(int status, int fallback) {
    return status >= 200 && status <= 599 ? status : fallback;
}

struct PodRecord {
    std::uint64_t id = 0;
    std::string key;  // namespace/name
    model::Pod spec;
    std::string ip;
    std::shared_ptr<const PodInfo> info;
    std::vector<ListenPort> listen;
    std::vector<std::pair<std::uint16_t, std::uint16_t>> bound;  // container -> bound port
    std::vector<std::string> services;  // Services (same namespace) that select it
    PodPhase phase = PodPhase::Pending;
    bool ready = false;
    int restarts = 0;
    int crashes = 0;         // since the back-off last reset
    std::uint64_t life = 0;  // bumped by every crash: timers and plans of an old life are stale
    std::uint64_t requests = 0;
    std::uint64_t life_requests = 0;
    TimePoint started_at{};
    TimePoint ready_at{};
    Behavior behavior;
    std::uint64_t behavior_version = 0;
    std::shared_ptr<PodServer> server;

    bool live() const { return phase != PodPhase::Terminating && phase != PodPhase::Stopped; }
    std::uint16_t boundPort(std::uint16_t container_port) const {
        for (const auto& [c, b] : bound)
            if (c == container_port) return b;
        return 0;
    }
};

struct ActiveFault {
    std::uint64_t id = 0;
    FaultSpec spec;
    TimePoint start{};
    TimePoint end{};
    bool activeAt(TimePoint now) const { return now >= start && now < end; }
};

// Counts down from any thread; waits with a deadline.
class Latch {
  public:
    explicit Latch(std::size_t count) : count_(count) {}
    void countDown() {
        std::lock_guard lock(mutex_);
        if (count_ > 0 && --count_ == 0) done_.notify_all();
    }
    bool waitFor(std::chrono::steady_clock::duration timeout) {
        std::unique_lock lock(mutex_);
        return done_.wait_for(lock, timeout, [&] { return count_ == 0; });
    }

  private:
    std::mutex mutex_;
    std::condition_variable done_;
    std::size_t count_;
};

class Core : public std::enable_shared_from_this<Core> {
  public:
    Core(asio::io_context& io, ClusterOptions options)
        : io_(io),
          strand_(asio::make_strand(io)),
          options_(std::move(options)),
          random_(options_.seed),
          table_(std::make_shared<const EndpointTable>()) {}

    void start(core::Diagnostics& diagnostics) {
        std::lock_guard lock(mutex_);
        if (started_ || stopping_) return;
        started_ = true;
        lab_start_ = Clock::now();
        if (!podAddress(options_.address_base, 1)) {
            diagnostics.error("ILAB-CLUSTER-001",
                              "pod address base \"" + options_.address_base +
                                  "\" is not an IPv4 address in 127.0.0.0/8",
                              {}, "the lab only binds loopback addresses; use e.g. 127.77.0.0");
        }
        for (auto& [id, rec] : pods_) {
            if (rec->phase != PodPhase::Pending) continue;
            bootLocked(*rec, &diagnostics, false);
            armCrashAtLocked(*rec);
        }
        publishLocked();
    }

    void stop() {
        std::vector<std::shared_ptr<PodServer>> servers;
        {
            std::lock_guard lock(mutex_);
            if (stopping_) return;
            stopping_ = true;
            for (auto& [id, rec] : pods_) {
                if (rec->server) servers.push_back(std::move(rec->server));
                rec->server.reset();
                rec->phase = PodPhase::Stopped;
                rec->ready = false;
            }
            table_dirty_ = true;
            publishLocked();
        }
        {
            // Handlers already queued see stopping_ and do nothing; cancelling here (not on the
            // strand) means a cluster that never ran its io_context still stops at once.
            std::lock_guard lock(timers_mutex_);
            for (const auto& timer : timers_)
                timer->cancel();
            timers_.clear();
        }
        {
            // Waits for an event being delivered right now; none is delivered after this.
            std::lock_guard lock(delivery_mutex_);
            listeners_closed_ = true;
            listeners_.clear();
        }
        if (servers.empty()) return;
        auto latch = std::make_shared<Latch>(servers.size());
        for (auto& server : servers)
            server->close([latch] { latch->countDown(); });
        // From one of the io_context's own threads waiting could deadlock; the shared Core
        // and the servers' own references keep everything alive until the closes have run.
        if (io_.get_executor().running_in_this_thread() || io_.stopped()) return;
        latch->waitFor(kStopWait);
    }

    void apply(const model::Manifests& manifests, core::Diagnostics* diagnostics) {
        std::lock_guard lock(mutex_);
        if (stopping_) return;
        const auto now = Clock::now();
        services_ = manifests.services;
        selected_.clear();
        external_.clear();
        for (const auto& service : manifests.services) {
            std::vector<model::ServiceEndpoints> external;
            for (const model::ServiceEndpoints* e : manifests.externalEndpoints(service))
                external.push_back(*e);
            external_.push_back(std::move(external));
            std::vector<std::string> keys;
            if (service.type == "ExternalName") {  // selects nothing: the name's stand-in
                if (const model::Pod* pod = model::externalNamePod(manifests, service))
                    keys.push_back(pod->meta.qualifiedName());
            } else {
                for (const model::Pod* pod : manifests.selectedPods(service))
                    keys.push_back(pod->meta.qualifiedName());
            }
            selected_.push_back(std::move(keys));
        }

        std::map<std::string, PodRecord*> live;
        for (auto& [id, rec] : pods_)
            if (rec->live()) live[rec->key] = rec.get();
        std::set<std::string> wanted;
        std::vector<PodRecord*> created;
        for (const auto& pod : manifests.pods) {
            const std::string key = pod.meta.qualifiedName();
            if (!wanted.insert(key).second) continue;
            if (auto it = live.find(key); it != live.end()) {
                PodRecord& rec = *it->second;
                if (rec.spec.meta.labels != pod.meta.labels) rec.info = makeInfo(pod, rec.ip);
                rec.spec = pod;
                continue;
            }
            auto rec = std::make_shared<PodRecord>();
            rec->id = next_pod_id_++;
            rec->key = key;
            rec->spec = pod;
            rec->ip = podAddress(options_.address_base, next_address_++).value_or("");
            rec->info = makeInfo(pod, rec->ip);
            live[key] = rec.get();
            created.push_back(rec.get());
            pods_[rec->id] = std::move(rec);
        }
        // Pods no longer in the manifests terminate; from here on `live` holds the kept and
        // the new ones.
        for (auto it = live.begin(); it != live.end();) {
            if (wanted.count(it->first)) {
                ++it;
                continue;
            }
            PodRecord* rec = it->second;
            it = live.erase(it);
            if (terminateLocked(*rec, now)) pods_.erase(rec->id);
        }
        for (auto& [key, rec] : live)
            rec->services.clear();
        for (std::size_t i = 0; i < services_.size(); ++i)
            for (const auto& key : selected_[i])
                if (auto it = live.find(key); it != live.end())
                    it->second->services.push_back(services_[i].meta.name);

        for (auto& [key, rec] : live) {
            std::vector<const model::Service*> selecting;
            for (const auto& service : services_)
                if (service.meta.namespace_ == rec->spec.meta.namespace_ &&
                    std::count(rec->services.begin(), rec->services.end(), service.meta.name))
                    selecting.push_back(&service);
            auto ports = listenPorts(rec->spec, selecting);
            if (rec->phase == PodPhase::Running && rec->server)
                updateListenersLocked(*rec, ports, diagnostics);
            rec->listen = std::move(ports);
            Behavior behavior = resolveBehaviorLocked(*rec);
            if (!(behavior == rec->behavior)) {
                rec->behavior = behavior;
                ++rec->behavior_version;
            }
        }
        if (started_) {
            for (PodRecord* rec : created) {
                bootLocked(*rec, diagnostics, false);
                armCrashAtLocked(*rec);
            }
        }
        table_dirty_ = true;
        publishLocked();
    }

    std::shared_ptr<const EndpointList> endpoints(std::string_view ns, std::string_view service,
                                                  std::string_view port) const {
        std::shared_ptr<const EndpointTable> table;
        {
            std::lock_guard lock(table_mutex_);
            table = table_;
        }
        return table->find(ns, service, port);
    }

    std::vector<PodStatus> pods() const {
        std::lock_guard lock(mutex_);
        const auto now = Clock::now();
        std::vector<PodStatus> out;
        for (const auto& [id, rec] : pods_) {
            PodStatus s;
            s.name = rec->spec.meta.name;
            s.namespace_ = rec->spec.meta.namespace_;
            s.ip = rec->ip;
            s.owner_kind = rec->spec.owner_kind;
            s.owner_name = rec->spec.owner_name;
            s.labels = rec->spec.meta.labels;
            s.phase = rec->phase;
            s.ready = rec->ready;
            s.restarts = rec->restarts;
            for (const auto& lp : rec->listen)
                s.ports.emplace_back(lp.container_port, rec->boundPort(lp.container_port));
            s.requests = rec->requests;
            for (const auto& f : faults_)
                if (f.activeAt(now) && matches(f.spec.target, *rec))
                    s.active_faults.push_back(f.id);
            out.push_back(std::move(s));
        }
        return out;
    }

    void setBehavior(const Target& target, Behavior behavior) {
        std::lock_guard lock(mutex_);
        if (stopping_) return;
        behavior.error_status = validStatus(behavior.error_status, 500);
        std::erase_if(rules_, [&](const auto& rule) { return sameTarget(rule.first, target); });
        rules_.emplace_back(target, behavior);
        const auto now = Clock::now();
        bool any = false;
        for (auto& [id, rec] : pods_) {
            if (!rec->live() || !matches(target, *rec)) continue;
            any = true;
            rec->behavior = behavior;
            ++rec->behavior_version;
            emitLocked(ClusterEvent::Kind::BehaviorChanged, rec->key, describe(target));
            // A pod still in its readiness delay gets the new delay; a ready pod stays ready
            // (the delay is about starting) and uses it from its next restart.
            if (rec->phase == PodPhase::Running && !rec->ready) {
                rec->ready_at = rec->started_at + behavior.readiness_delay;
                scheduleReadinessLocked(*rec, now);
                refreshLocked(*rec, now);
            }
            armCrashAtLocked(*rec);
        }
        if (!any)
            emitLocked(ClusterEvent::Kind::BehaviorChanged, "",
                       describe(target) + " (no pod matches yet)");
        publishLocked();
    }

    std::uint64_t injectFault(FaultSpec spec) {
        std::lock_guard lock(mutex_);
        const std::uint64_t id = next_fault_id_++;
        if (stopping_) return id;
        spec.status = validStatus(spec.status, 503);
        const auto now = Clock::now();
        ActiveFault fault;
        fault.id = id;
        fault.start = now + spec.start.value_or(Millis{0});
        fault.end = spec.duration ? fault.start + *spec.duration : TimePoint::max();
        fault.spec = std::move(spec);
        std::string detail = "fault " + std::to_string(id) + ": " +
                             std::string(faultKindName(fault.spec.kind)) + " on " +
                             describe(fault.spec.target);
        if (fault.spec.probability < 1.0)
            detail += ", probability " + std::to_string(fault.spec.probability);
        if (fault.spec.start)
            detail += ", from +" + std::to_string(fault.spec.start->count()) + "ms";
        if (fault.spec.duration)
            detail += ", for " + std::to_string(fault.spec.duration->count()) + "ms";
        const bool delayed = fault.start > now;
        const bool expires = fault.end != TimePoint::max();
        const TimePoint end = fault.end;
        faults_.push_back(std::move(fault));
        emitLocked(ClusterEvent::Kind::FaultInjected, "", detail, id);
        if (delayed) {
            scheduleLocked(faults_.back().start, [this, id] { activateLocked(id); });
        } else {
            activateLocked(id);
        }
        if (expires) {
            scheduleLocked(end, [this, id] { removeFaultLocked(id, "expired"); });
        }
        publishLocked();
        return id;
    }

    bool clearFault(std::uint64_t id) {
        std::lock_guard lock(mutex_);
        const bool found = removeFaultLocked(id, "cleared");
        publishLocked();
        return found;
    }

    void subscribe(std::function<void(const ClusterEvent&)> listener) {
        std::lock_guard lock(delivery_mutex_);
        if (!listeners_closed_) listeners_.push_back(std::move(listener));
    }

    // From a pod's strand, once per request.
    RequestPlan planRequest(std::uint64_t id, std::uint64_t life, std::uint16_t container_port,
                            const LabDirectives& directives) {
        RequestPlan plan;
        std::lock_guard lock(mutex_);
        auto it = pods_.find(id);
        if (it == pods_.end() || it->second->life != life) {
            plan.close_connection = true;  // a connection of a crashed life, being torn down
            return plan;
        }
        PodRecord& rec = *it->second;
        const auto now = Clock::now();
        ++rec.requests;
        ++rec.life_requests;
        plan.pod = rec.info;
        for (const auto& lp : rec.listen)
            if (lp.container_port == container_port) plan.service = lp.service;
        const Behavior& b = rec.behavior;
        plan.delay_ms =
            directives.delay_ms + sampleLatencyMs(b.latency, random_) +
            slowStartExtraMs(b, std::chrono::duration_cast<Millis>(now - rec.started_at));
        if (directives.status) {
            plan.status = *directives.status;
        } else if (b.startup_time.count() > 0 && now - rec.started_at < b.startup_time) {
            plan.status = 503;  // still starting up
        } else if (b.error_ratio > 0 && uniform01(random_) < b.error_ratio) {
            plan.status = b.error_status;
        }
        plan.pad_to_bytes = b.response_bytes;
        plan.crash_after = b.crash_after_requests && rec.life_requests >= *b.crash_after_requests;
        plan.close_connection = rec.phase == PodPhase::Terminating;
        auto rank = [](RequestPlan::Action a) { return static_cast<int>(a); };
        for (const auto& f : faults_) {
            const auto kind = f.spec.kind;
            if (kind == FaultSpec::Kind::Kill || kind == FaultSpec::Kind::Unready) continue;
            if (!f.activeAt(now) || !matches(f.spec.target, rec)) continue;
            if (f.spec.probability < 1.0 && !(uniform01(random_) < f.spec.probability)) continue;
            RequestPlan::Action action = RequestPlan::Action::Answer;
            switch (kind) {
                case FaultSpec::Kind::Latency: {
                    double extra = f.spec.latency_ms;
                    if (f.spec.jitter_ms > 0)
                        extra += f.spec.jitter_ms * (2 * uniform01(random_) - 1);
                    plan.delay_ms += std::max(0.0, extra);
                    break;
                }
                case FaultSpec::Kind::Status:
                    plan.status = f.spec.status;
                    break;
                case FaultSpec::Kind::Throttle:
                    if (f.spec.bytes_per_second > 0)
                        plan.throttle_bytes_per_second = f.spec.bytes_per_second;
                    break;
                case FaultSpec::Kind::Reset:
                    action = RequestPlan::Action::Reset;
                    break;
                case FaultSpec::Kind::BlackHole:
                    action = RequestPlan::Action::BlackHole;
                    break;
                case FaultSpec::Kind::CloseAfterHeaders:
                    action = RequestPlan::Action::CloseAfterHeaders;
                    break;
                default:
                    break;
            }
            // Reset beats black-hole beats close-after-headers beats answering.
            if (rank(action) > rank(plan.action)) plan.action = action;
            if (!plan.faults.empty()) plan.faults += ",";
            plan.faults += faultKindName(kind);
        }
        plan.delay_ms = std::min(plan.delay_ms, kMaxDelayMs);
        return plan;
    }

    // From a pod's strand, after the response that reached crash_after_requests.
    void crashPod(std::uint64_t id, std::uint64_t life) {
        std::lock_guard lock(mutex_);
        auto it = pods_.find(id);
        if (it == pods_.end() || it->second->life != life || stopping_) return;
        crashLocked(*it->second,
                    "crashed after " + std::to_string(it->second->life_requests) + " requests");
        publishLocked();
    }

    // From a pod's strand, when a terminating pod has drained.
    void podDrained(std::uint64_t id, std::uint64_t life) {
        std::lock_guard lock(mutex_);
        auto it = pods_.find(id);
        if (it == pods_.end() || it->second->life != life || stopping_) return;
        if (it->second->phase != PodPhase::Terminating) return;
        stoppedLocked(*it->second, "drained");
        pods_.erase(it);
        publishLocked();
    }

  private:
    static std::shared_ptr<const PodInfo> makeInfo(const model::Pod& pod, const std::string& ip) {
        auto info = std::make_shared<PodInfo>();
        info->name = pod.meta.name;
        info->namespace_ = pod.meta.namespace_;
        info->ip = ip;
        info->labels = pod.meta.labels;
        return info;
    }

    bool matches(const Target& target, const PodRecord& rec) const {
        if (target.namespace_ != rec.spec.meta.namespace_) return false;
        switch (target.kind) {
            case Target::Kind::Pod:
                return target.name == rec.spec.meta.name;
            case Target::Kind::Workload:
                return !rec.spec.owner_name.empty() && target.name == rec.spec.owner_name;
            case Target::Kind::Service:
                return std::count(rec.services.begin(), rec.services.end(), target.name) > 0;
        }
        return false;
    }

    Behavior resolveBehaviorLocked(const PodRecord& rec) const {
        Behavior behavior;
        for (const auto& [target, b] : rules_)
            if (matches(target, rec)) behavior = b;  // the latest matching rule wins
        return behavior;
    }

    PodServer::Callbacks callbacksFor(const PodRecord& rec) {
        PodServer::Callbacks callbacks;
        std::weak_ptr<Core> weak = weak_from_this();
        callbacks.plan = [weak, id = rec.id, life = rec.life](std::uint16_t port,
                                                              const LabDirectives& directives) {
            if (auto self = weak.lock()) return self->planRequest(id, life, port, directives);
            RequestPlan plan;
            plan.close_connection = true;
            return plan;
        };
        callbacks.crash = [weak, id = rec.id, life = rec.life] {
            if (auto self = weak.lock()) self->crashPod(id, life);
        };
        return callbacks;
    }

    // Binds the pod's ports and makes it Running. On failure returns the problem and leaves the
    // phase alone.
    std::string bootLocked(PodRecord& rec, core::Diagnostics* diagnostics, bool restart) {
        const auto now = Clock::now();
        std::string problem;
        if (rec.ip.empty()) problem = "no pod address (address base " + options_.address_base + ")";
        std::shared_ptr<PodServer> server;
        std::vector<std::pair<std::uint16_t, std::uint16_t>> bound;
        if (problem.empty()) {
            server = PodServer::create(io_, rec.info, callbacksFor(rec));
            for (const auto& lp : rec.listen) {
                const std::uint16_t port = bindLocked(rec, *server, lp.container_port, problem);
                if (port == 0) break;
                bound.emplace_back(lp.container_port, port);
            }
        }
        if (!problem.empty()) {
            if (server) server->close({});
            if (diagnostics) {
                auto& d = diagnostics->error("ILAB-CLUSTER-002", "pod " + rec.key + ": " + problem,
                                             rec.spec.meta.location,
                                             "free the port or run the lab with ephemeral ports");
                d.object = "Pod " + rec.key;
            }
            return problem;
        }
        rec.server = std::move(server);
        rec.bound = std::move(bound);
        rec.phase = PodPhase::Running;
        rec.started_at = now;
        rec.ready_at = now + rec.behavior.readiness_delay;
        rec.life_requests = 0;
        std::string detail = rec.ip;
        for (const auto& [c, b] : rec.bound)
            detail += " " + std::to_string(c) + (c == b ? "" : "->" + std::to_string(b));
        emitLocked(restart ? ClusterEvent::Kind::PodRestarted : ClusterEvent::Kind::PodStarted,
                   rec.key, detail);
        refreshLocked(rec, now);
        scheduleReadinessLocked(rec, now);
        return {};
    }

    // One listener; with ephemeral ports a restart first tries the port it had, so the
    // endpoint stays where it was (like a pod IP and port across container restarts).
    std::uint16_t bindLocked(const PodRecord& rec, PodServer& server, std::uint16_t container_port,
                             std::string& problem) {
        std::string error;
        const std::uint16_t wanted =
            options_.ephemeral_ports ? rec.boundPort(container_port) : container_port;
        std::uint16_t port = server.listen(container_port, wanted, error);
        if (port == 0 && wanted != 0 && options_.ephemeral_ports)
            port = server.listen(container_port, 0, error);
        if (port == 0)
            problem = "cannot listen on " + rec.ip + ":" + std::to_string(wanted) + ": " + error;
        return port;
    }

    void updateListenersLocked(PodRecord& rec, const std::vector<ListenPort>& ports,
                               core::Diagnostics* diagnostics) {
        auto has = [](const std::vector<ListenPort>& list, std::uint16_t port) {
            return std::any_of(list.begin(), list.end(),
                               [&](const ListenPort& lp) { return lp.container_port == port; });
        };
        for (const auto& lp : rec.listen) {
            if (has(ports, lp.container_port)) continue;
            rec.server->closeListener(lp.container_port);
            std::erase_if(rec.bound, [&](const auto& b) { return b.first == lp.container_port; });
        }
        for (const auto& lp : ports) {
            if (has(rec.listen, lp.container_port)) continue;
            std::string problem;
            const std::uint16_t port = bindLocked(rec, *rec.server, lp.container_port, problem);
            if (port != 0) {
                rec.bound.emplace_back(lp.container_port, port);
            } else if (diagnostics) {
                diagnostics->error("ILAB-CLUSTER-002", "pod " + rec.key + ": " + problem,
                                   rec.spec.meta.location, "free the port");
            }
        }
    }

    bool wantReadyLocked(const PodRecord& rec, TimePoint now) const {
        if (rec.phase != PodPhase::Running || !rec.server || now < rec.ready_at) return false;
        for (const auto& f : faults_)
            if (f.spec.kind == FaultSpec::Kind::Unready && f.activeAt(now) &&
                matches(f.spec.target, rec))
                return false;
        return true;
    }

    void refreshLocked(PodRecord& rec, TimePoint now) {
        const bool ready = wantReadyLocked(rec, now);
        if (ready == rec.ready) return;
        rec.ready = ready;
        table_dirty_ = true;
        emitLocked(ready ? ClusterEvent::Kind::PodReady : ClusterEvent::Kind::PodUnready, rec.key,
                   ready ? "" : std::string(podPhaseName(rec.phase)));
    }

    void refreshAllLocked() {
        const auto now = Clock::now();
        for (auto& [id, rec] : pods_)
            refreshLocked(*rec, now);
    }

    void scheduleReadinessLocked(const PodRecord& rec, TimePoint now) {
        if (rec.ready_at <= now) return;
        scheduleLocked(rec.ready_at, [this, id = rec.id, life = rec.life] {
            auto it = pods_.find(id);
            if (it == pods_.end() || it->second->life != life) return;
            refreshLocked(*it->second, Clock::now());
        });
    }

    void armCrashAtLocked(const PodRecord& rec) {
        if (!started_ || !rec.behavior.crash_at) return;
        const TimePoint at = lab_start_ + *rec.behavior.crash_at;
        if (at < Clock::now()) return;  // already past when set: nothing to replay
        scheduleLocked(at, [this, id = rec.id, version = rec.behavior_version] {
            auto it = pods_.find(id);
            if (it == pods_.end() || it->second->behavior_version != version) return;
            if (it->second->phase != PodPhase::Running) return;
            crashLocked(
                *it->second,
                "crash_at " + std::to_string(it->second->behavior.crash_at->count()) + "ms");
        });
    }

    void crashLocked(PodRecord& rec, const std::string& reason) {
        if (rec.phase != PodPhase::Running) return;
        const auto now = Clock::now();
        if (rec.server) rec.server->close({});
        rec.server.reset();
        ++rec.life;
        rec.phase = PodPhase::CrashLoopBackOff;
        if (now - rec.started_at >= kBackoffReset) rec.crashes = 0;
        const Millis wait = restartBackoff(rec.behavior.restart_backoff, rec.crashes++);
        emitLocked(ClusterEvent::Kind::PodCrashed, rec.key,
                   reason + "; restarting in " + std::to_string(wait.count()) + "ms");
        refreshLocked(rec, now);
        scheduleLocked(now + wait,
                       [this, id = rec.id, life = rec.life] { restartLocked(id, life); });
    }

    void restartLocked(std::uint64_t id, std::uint64_t life) {
        auto it = pods_.find(id);
        if (it == pods_.end()) return;
        PodRecord& rec = *it->second;
        if (rec.life != life || rec.phase != PodPhase::CrashLoopBackOff) return;
        ++rec.restarts;
        const std::string problem = bootLocked(rec, nullptr, true);
        if (!problem.empty()) {
            // Could not listen again: another crash, another (longer) back-off.
            rec.phase = PodPhase::Running;
            rec.started_at = Clock::now();
            crashLocked(rec, problem);
        }
    }

    // Starts graceful termination; true when the record can go at once (nothing to drain).
    bool terminateLocked(PodRecord& rec, TimePoint now) {
        if (rec.phase == PodPhase::Running && rec.server) {
            rec.phase = PodPhase::Terminating;
            refreshLocked(rec, now);
            std::weak_ptr<Core> weak = weak_from_this();
            rec.server->drain([weak, id = rec.id, life = rec.life] {
                if (auto self = weak.lock()) self->podDrained(id, life);
            });
            scheduleLocked(now + rec.behavior.termination_grace,
                           [this, id = rec.id, life = rec.life] {
                               auto it = pods_.find(id);
                               if (it == pods_.end() || it->second->life != life) return;
                               if (it->second->phase != PodPhase::Terminating) return;
                               stoppedLocked(*it->second, "termination grace period expired");
                               pods_.erase(it);
                           });
            return false;
        }
        ++rec.life;
        stoppedLocked(rec, "removed");
        return true;
    }

    void stoppedLocked(PodRecord& rec, const std::string& reason) {
        if (rec.server) rec.server->close({});
        rec.server.reset();
        rec.phase = PodPhase::Stopped;
        refreshLocked(rec, Clock::now());
        emitLocked(ClusterEvent::Kind::PodStopped, rec.key, reason);
    }

    void activateLocked(std::uint64_t id) {
        auto it = std::find_if(faults_.begin(), faults_.end(),
                               [&](const ActiveFault& f) { return f.id == id; });
        if (it == faults_.end()) return;
        if (it->spec.kind == FaultSpec::Kind::Kill) {
            const FaultSpec spec = it->spec;
            for (auto& [pod_id, rec] : pods_) {
                if (rec->phase != PodPhase::Running || !matches(spec.target, *rec)) continue;
                // Probability picks the victims: p = 0.5 on a Service kills about half its pods.
                if (spec.probability < 1.0 && !(uniform01(random_) < spec.probability)) continue;
                crashLocked(*rec, "killed by fault " + std::to_string(id));
            }
        }
        refreshAllLocked();
    }

    bool removeFaultLocked(std::uint64_t id, const std::string& why) {
        auto it = std::find_if(faults_.begin(), faults_.end(),
                               [&](const ActiveFault& f) { return f.id == id; });
        if (it == faults_.end()) return false;
        emitLocked(ClusterEvent::Kind::FaultCleared, "",
                   "fault " + std::to_string(id) + ": " +
                       std::string(faultKindName(it->spec.kind)) + " " + why,
                   id);
        faults_.erase(it);
        refreshAllLocked();
        return true;
    }

    void emitLocked(ClusterEvent::Kind kind, std::string pod, std::string detail,
                    std::uint64_t fault_id = 0) {
        ClusterEvent event{kind, std::move(pod), std::move(detail), Clock::now(), fault_id};
        asio::post(strand_, [self = shared_from_this(), event = std::move(event)] {
            // Held while listeners run, so stop() returns only after the last delivery;
            // recursive, so a listener may call subscribe() or stop().
            std::lock_guard lock(self->delivery_mutex_);
            const auto listeners = self->listeners_;
            for (const auto& listener : listeners) {
                if (self->listeners_closed_) return;
                listener(event);
            }
        });
    }

    // Runs `fn` on the strand at `at` with mutex_ held, then publishes the endpoint table;
    // never once stop() has begun (checked under the mutex, so a timer that fires while stop()
    // runs cannot start a pod behind its back).
    void scheduleLocked(TimePoint at, std::function<void()> fn) {
        if (stopping_) return;
        auto timer = std::make_shared<asio::steady_timer>(strand_, at);
        std::lock_guard lock(timers_mutex_);
        timer->async_wait([weak = weak_from_this(), timer,
                           fn = std::move(fn)](const boost::system::error_code& ec) {
            auto self = weak.lock();
            if (!self) return;
            {
                std::lock_guard inner(self->timers_mutex_);
                self->timers_.erase(timer);
            }
            if (ec) return;
            std::lock_guard state(self->mutex_);
            if (self->stopping_) return;
            fn();
            self->publishLocked();
        });
        timers_.insert(std::move(timer));
    }

    void publishLocked() {
        if (!table_dirty_) return;
        table_dirty_ = false;
        std::map<std::string, PodEndpointSource> sources;
        for (const auto& [id, rec] : pods_) {
            if (!rec->live()) continue;
            PodEndpointSource s;
            s.name = rec->spec.meta.name;
            s.namespace_ = rec->spec.meta.namespace_;
            s.ip = rec->ip;
            s.container_ports = &rec->spec.ports;
            s.bound = rec->bound;
            s.ready = rec->ready && !stopping_;
            sources[rec->key] = std::move(s);
        }
        auto table = buildEndpointTable(services_, [&](std::size_t i) {
            std::vector<const PodEndpointSource*> out;
            for (const auto& key : selected_[i])
                if (auto it = sources.find(key); it != sources.end()) out.push_back(&it->second);
            return out;
        }, external_);
        std::lock_guard lock(table_mutex_);
        table_ = std::move(table);
    }

    asio::io_context& io_;
    asio::strand<asio::io_context::executor_type> strand_;  // timers and event delivery
    const ClusterOptions options_;

    mutable std::mutex mutex_;  // everything below up to table_mutex_
    core::SeededRandom random_;
    bool started_ = false;
    std::atomic<bool> stopping_{false};
    TimePoint lab_start_{};
    std::map<std::uint64_t, std::shared_ptr<PodRecord>> pods_;  // by id: creation order
    std::uint64_t next_pod_id_ = 1;
    std::uint32_t next_address_ = 1;
    std::vector<model::Service> services_;
    std::vector<std::vector<model::ServiceEndpoints>> external_;  // per Service, no selector
    std::vector<std::vector<std::string>> selected_;  // per Service: keys of the pods it selects
    std::vector<std::pair<Target, Behavior>> rules_;
    std::vector<ActiveFault> faults_;
    std::uint64_t next_fault_id_ = 1;
    bool table_dirty_ = true;

    mutable std::mutex table_mutex_;
    std::shared_ptr<const EndpointTable> table_;

    std::recursive_mutex delivery_mutex_;
    bool listeners_closed_ = false;
    std::vector<std::function<void(const ClusterEvent&)>> listeners_;

    std::mutex timers_mutex_;
    std::set<std::shared_ptr<asio::steady_timer>> timers_;
};

class ClusterImpl final : public Cluster {
  public:
    ClusterImpl(std::shared_ptr<Core> core, std::string address_base, PodNetworkClaim claim)
        : core_(std::move(core)),
          address_base_(std::move(address_base)),
          claim_(std::move(claim)) {}
    ~ClusterImpl() override { core_->stop(); }

    void start(core::Diagnostics& diagnostics) override { core_->start(diagnostics); }
    void stop() override { core_->stop(); }
    void apply(const model::Manifests& manifests, core::Diagnostics& diagnostics) override {
        core_->apply(manifests, &diagnostics);
    }
    std::vector<Endpoint> readyEndpoints(std::string_view ns, std::string_view service,
                                         std::string_view port) const override {
        return *core_->endpoints(ns, service, port);
    }
    std::shared_ptr<const std::vector<Endpoint>> endpointList(
        std::string_view ns, std::string_view service, std::string_view port) const override {
        return core_->endpoints(ns, service, port);
    }
    std::vector<PodStatus> pods() const override { return core_->pods(); }
    std::string addressBase() const override { return address_base_; }
    void setBehavior(const Target& target, const Behavior& behavior) override {
        core_->setBehavior(target, behavior);
    }
    std::uint64_t injectFault(const FaultSpec& fault) override { return core_->injectFault(fault); }
    bool clearFault(std::uint64_t id) override { return core_->clearFault(id); }
    void subscribe(std::function<void(const ClusterEvent&)> listener) override {
        core_->subscribe(std::move(listener));
    }

  private:
    std::shared_ptr<Core> core_;
    std::string address_base_;
    PodNetworkClaim claim_;  // released after the pods stopped (~ClusterImpl's body)
};

constexpr std::uint16_t kClaimPort = 7777;

// A TCP socket (close-on-exec), optionally bound to address:port; -1 when it cannot bind.
int boundSocket(const std::string& address, std::uint16_t port, bool reuse) {
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(port);
    if (::inet_pton(AF_INET, address.c_str(), &sa.sin_addr) != 1) return -1;
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    const int one = 1;
    // As the pod servers bind (Asio sets SO_REUSEADDR): a port in TIME_WAIT is free for them.
    if (reuse) ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (::bind(fd, reinterpret_cast<const sockaddr*>(&sa), sizeof sa) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

}  // namespace

PodNetworkClaim::~PodNetworkClaim() {
    if (fd_ >= 0) ::close(fd_);
}

PodNetworkClaim::PodNetworkClaim(PodNetworkClaim&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), base_(std::move(other.base_)) {}

PodNetworkClaim& PodNetworkClaim::operator=(PodNetworkClaim&& other) noexcept {
    if (this != &other) {
        if (fd_ >= 0) ::close(fd_);
        fd_ = std::exchange(other.fd_, -1);
        base_ = std::move(other.base_);
    }
    return *this;
}

bool PodNetworkClaim::claim(const std::string& base) {
    // No SO_REUSEADDR: a second bind of the same address and port then fails even though
    // neither socket listens.
    const int fd = boundSocket(base, kClaimPort, false);
    if (fd < 0) return false;
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
    base_ = base;
    return true;
}

PodNetworkClaim choosePodNetwork(const std::vector<std::uint16_t>& ports) {
    for (int n = 77; n <= 126; ++n) {
        const std::string base = "127." + std::to_string(n) + ".0.0";
        PodNetworkClaim claim;
        if (!claim.claim(base)) continue;
        const std::string first = "127." + std::to_string(n) + ".0.1";
        const bool free = std::all_of(ports.begin(), ports.end(), [&](std::uint16_t port) {
            const int fd = boundSocket(first, port, true);
            if (fd >= 0) ::close(fd);
            return fd >= 0;
        });
        if (free) return claim;
    }
    return {};
}

std::unique_ptr<Cluster> Cluster::create(boost::asio::io_context& io,
                                         const model::Manifests& manifests,
                                         ClusterOptions options) {
    PodNetworkClaim claim;
    if (options.address_base.empty()) {
        // The first pod's ports tell a network held by a lab that does not claim one.
        std::vector<std::uint16_t> ports;
        if (!manifests.pods.empty() && !options.ephemeral_ports)
            for (const auto& lp : listenPorts(manifests.pods.front(), {}))
                ports.push_back(lp.container_port);
        claim = choosePodNetwork(ports);
        // Every network taken: the default, where ILAB-CLUSTER-002 says which pods lost.
        options.address_base = claim.base().empty() ? "127.77.0.0" : claim.base();
    }
    std::string base = options.address_base;
    auto core = std::make_shared<Core>(io, std::move(options));
    core->apply(manifests, nullptr);
    return std::make_unique<ClusterImpl>(std::move(core), std::move(base), std::move(claim));
}

}  // namespace ilab::cluster
