#pragma once
// The pods a workload would run, named the way Kubernetes names them.
#include <vector>

#include "engine/model/objects.h"

namespace ilab::model {

// Deployment "web" with 3 replicas -> web-<pod-template-hash>-<5 chars>, labels plus
// pod-template-hash; StatefulSet "db" -> db-0, db-1, ... Deterministic for the same manifest.
// `revision` > 0 stands for a changed pod template (a rollout): a Deployment's pods then get a
// new pod-template-hash and new names; a StatefulSet's keep theirs.
std::vector<Pod> podsFor(const Workload& workload, int revision = 0);

}  // namespace ilab::model
