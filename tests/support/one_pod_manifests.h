#pragma once
// One pod "web" behind Service web and an Ingress for web.local with the given pathType. With
// "Prefx" the API server refuses the Ingress, so nothing is routable: the first-hour tests of
// the CLI, the workbench and the studio start from it.
#include <string>
#include <string_view>

namespace ilab::testing {

inline std::string onePodManifests(std::string_view path_type) {
    return std::string(R"(apiVersion: v1
kind: Pod
metadata: {name: web, labels: {app: web}}
spec: {containers: [{name: web, image: echo, ports: [{containerPort: 8080}]}]}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec: {selector: {app: web}, ports: [{port: 80, targetPort: 8080}]}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web}
spec:
  ingressClassName: nginx
  rules:
  - host: web.local
    http:
      paths: [{path: /, pathType: )") +
           std::string(path_type) + ", backend: {service: {name: web, port: {number: 80}}}}]\n";
}

}  // namespace ilab::testing
