#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <future>
#include <streambuf>

#include <gtest/gtest.h>

#include "engine/model/manifests.h"

namespace ilab::model {
namespace {

const char* kTopology = R"(apiVersion: v1
kind: List
items:
- apiVersion: apps/v1
  kind: Deployment
  metadata: {name: web}
  spec:
    replicas: 3
    selector: {matchLabels: {app: web}}
    template:
      metadata: {labels: {app: web, version: v1}}
      spec:
        containers:
        - name: app
          ports: [{name: http, containerPort: 8080}]
- apiVersion: apps/v1
  kind: StatefulSet
  metadata: {name: db, namespace: data}
  spec:
    replicas: 2
    selector: {matchLabels: {app: db}}
    template:
      metadata: {labels: {app: db}}
      spec: {containers: [{name: db}]}
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: nightly}
spec: {schedule: "@daily"}
)";

TEST(LoaderTest, FlattensListsAndGeneratesPodsWithKubernetesNames) {
    Manifests m = loadManifestsFromText(kTopology, "topology.yaml");
    ASSERT_EQ(m.workloads.size(), 2u);
    ASSERT_EQ(m.pods.size(), 5u);
    const Pod& first = m.pods[0];
    EXPECT_EQ(first.meta.namespace_, "default");
    EXPECT_EQ(first.owner_kind, "Deployment");
    // web-<pod-template-hash>-<5 safe characters>
    EXPECT_TRUE(first.meta.name.rfind("web-", 0) == 0) << first.meta.name;
    EXPECT_EQ(first.meta.name.size(), 4 + first.meta.labels.at("pod-template-hash").size() + 1 + 5);
    EXPECT_EQ(first.meta.labels.at("version"), "v1");
    EXPECT_NE(m.pods[0].meta.name, m.pods[1].meta.name);
    EXPECT_EQ(m.pods[3].meta.name, "db-0");
    EXPECT_EQ(m.pods[4].meta.name, "db-1");
    EXPECT_EQ(m.pods[4].meta.namespace_, "data");
    // Deterministic: the same manifest names the same pods.
    EXPECT_EQ(loadManifestsFromText(kTopology, "again.yaml").pods[0].meta.name, first.meta.name);
}

TEST(LoaderTest, KeepsAndReportsKindsItDoesNotModel) {
    Manifests m = loadManifestsFromText(kTopology, "topology.yaml");
    ASSERT_EQ(m.ignored.size(), 1u);
    EXPECT_EQ(m.ignored[0].kind, "CronJob");
    EXPECT_EQ(m.ignored[0].location.line, 26);
    EXPECT_TRUE(m.diagnostics.contains("ILAB-MODEL-001"));
}

TEST(LoaderTest, QuotedPortNumberIsATypeErrorAtItsValue) {
    Manifests m = loadManifestsFromText(R"(apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
  annotations:
    nginx.ingress.kubernetes.io/ssl-redirect: false
spec:
  ingressClassName: nginx
  defaultBackend:
    service: {name: web, port: {number: "80"}}
)",
                                        "typed.yaml");
    ASSERT_EQ(m.diagnostics.count(core::Severity::Error), 2u);
    const auto& annotation = m.diagnostics.items()[0];
    EXPECT_EQ(annotation.code, "ILAB-API-004");
    EXPECT_EQ(annotation.location.line, 6);
    EXPECT_EQ(annotation.location.column, 47);
    EXPECT_NE(annotation.hint.find("\"false\""), std::string::npos);
    const auto& port = m.diagnostics.items()[1];
    EXPECT_EQ(port.location.line, 10);
    EXPECT_NE(port.message.find("spec.defaultBackend.service.port.number"), std::string::npos);
}

TEST(LoaderTest, UnknownFieldsAreRejectedWithALegacyHint) {
    Manifests m = loadManifestsFromText(R"(apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: old}
spec:
  rules:
  - http:
      paths:
      - path: /
        backend:
          serviceName: web
          servicePort: 80
)",
                                        "legacy.yaml");
    ASSERT_TRUE(m.diagnostics.contains("ILAB-API-005"));
    const core::Diagnostic* unknown = nullptr;
    for (const auto& d : m.diagnostics.items())
        if (d.code == "ILAB-API-005") {
            unknown = &d;
            break;
        }
    EXPECT_EQ(unknown->message,
              "unknown field \"spec.rules[0].http.paths[0].backend.serviceName\"");
    EXPECT_EQ(unknown->location.line, 10);
    EXPECT_NE(unknown->hint.find("service.name"), std::string::npos);
    EXPECT_TRUE(m.ingresses.at(0).rejected);
}

TEST(LoaderTest, RemovedApiVersionsSayWhatToUse) {
    Manifests m = loadManifestsFromText(
        "apiVersion: extensions/v1beta1\nkind: Ingress\nmetadata: {name: x}\n", "old.yaml");
    ASSERT_TRUE(m.diagnostics.contains("ILAB-API-007"));
    EXPECT_EQ(m.diagnostics.items()[0].message,
              "no matches for kind \"Ingress\" in version \"extensions/v1beta1\"");
    EXPECT_TRUE(m.ingresses.empty());
}

TEST(LoaderTest, DefaultIngressClassIsStampedAndOthersAreUnclaimed) {
    const char* yaml = R"(apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata:
  name: lab
  annotations: {ingressclass.kubernetes.io/is-default-class: "true"}
spec: {controller: k8s.io/ingress-nginx}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: stamped}
spec: {defaultBackend: {service: {name: web, port: {number: 80}}}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: other}
spec:
  ingressClassName: traefik
  defaultBackend: {service: {name: web, port: {number: 80}}}
)";
    Manifests m = loadManifestsFromText(yaml, "classes.yaml");
    ASSERT_EQ(m.ingresses.size(), 2u);
    EXPECT_EQ(m.ingresses[0].effective_class, "lab");
    EXPECT_EQ(m.ingresses[0].class_source, ClassSource::DefaultClass);
    EXPECT_TRUE(m.ingresses[0].claimed);
    EXPECT_FALSE(m.ingresses[1].claimed);
}

TEST(LoaderTest, ClassLessIngressIsUnclaimedWithoutADefaultClass) {
    Manifests m = loadManifestsFromText(R"(apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: lonely}
spec: {defaultBackend: {service: {name: web, port: {number: 80}}}}
)",
                                        "x.yaml");
    EXPECT_FALSE(m.ingresses.at(0).claimed);
    LoadOptions watch;
    watch.watch_ingress_without_class = true;
    EXPECT_TRUE(loadManifestsFromText(R"(apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: lonely}
spec: {defaultBackend: {service: {name: web, port: {number: 80}}}}
)",
                                      "x.yaml", watch)
                    .ingresses.at(0)
                    .claimed);
}

TEST(LoaderTest, TwoDefaultClassesMakeAdmissionRefuseClassLessIngresses) {
    Manifests m = loadManifestsFromText(R"(apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata: {name: a, annotations: {ingressclass.kubernetes.io/is-default-class: "true"}}
spec: {controller: k8s.io/ingress-nginx}
---
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata: {name: b, annotations: {ingressclass.kubernetes.io/is-default-class: "true"}}
spec: {controller: k8s.io/ingress-nginx}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: x}
spec: {defaultBackend: {service: {name: web, port: {number: 80}}}}
)",
                                        "two.yaml");
    EXPECT_TRUE(m.diagnostics.contains("ILAB-API-008"));
    EXPECT_TRUE(m.ingresses.at(0).rejected);
}

TEST(LoaderTest, ReadsDirectoriesRecursivelyAndReportsMissingPaths) {
    namespace fs = std::filesystem;
    const fs::path dir = fs::temp_directory_path() / ("ilab-loader-" + std::to_string(::getpid()));
    fs::create_directories(dir / "nested");
    std::ofstream(dir / "a.yaml")
        << "apiVersion: v1\nkind: Service\nmetadata: {name: a}\nspec: {ports: [{port: 80}]}\n";
    std::ofstream(dir / "nested" / "b.json")
        << R"({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "b"}, "spec": {"ports": [{"port": 81}]}})";
    std::ofstream(dir / "notes.txt") << "not a manifest";
    Manifests m = loadManifests({dir.string(), (dir / "missing.yaml").string()});
    EXPECT_EQ(m.services.size(), 2u);
    EXPECT_EQ(m.files.size(), 2u);
    EXPECT_TRUE(m.diagnostics.contains("ILAB-INPUT-001"));
    EXPECT_TRUE(m.input_unreadable);
    fs::remove_all(dir);
}

TEST(LoaderTest, LaterDefinitionOfTheSameObjectReplacesTheEarlier) {
    Manifests m = loadManifestsFromText(R"(apiVersion: v1
kind: Service
metadata: {name: a}
spec: {ports: [{port: 80}]}
---
apiVersion: v1
kind: Service
metadata: {name: a}
spec: {ports: [{port: 81}]}
)",
                                        "dup.yaml");
    ASSERT_EQ(m.services.size(), 1u);
    EXPECT_EQ(m.services[0].ports.at(0).port, 81);
    EXPECT_TRUE(m.diagnostics.contains("ILAB-MODEL-002"));
}

TEST(LoaderTest, WrongShapesNeverCrash) {
    for (const char* text :
         {"42", "[]", "- a\n- b\n", "kind: Ingress\n", "apiVersion: v1\n",
          "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: 5\nspec: []\n",
          "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: x}\nspec: {rules: {a: "
          "b}}\n",
          "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: x}\nspec: {rules: [5, "
          "{http: 3}, {http: {paths: [7]}}]}\n",
          "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\nspec: {replicas: lots, "
          "template: []}\n",
          "apiVersion: v1\nkind: Secret\nmetadata: {name: x}\ntype: kubernetes.io/tls\ndata: "
          "{tls.crt: '!!!'}\n"}) {
        Manifests m = loadManifestsFromText(text, "shape.yaml");
        EXPECT_TRUE(m.diagnostics.hasErrors()) << text;
        for (const auto& d : m.diagnostics.items())
            EXPECT_GT(d.location.line, 0) << d.message;
    }
}

TEST(LoaderTest, EndpointsAndEndpointSlicesBackAServiceWithoutASelector) {
    Manifests m = loadManifestsFromText(R"(apiVersion: v1
kind: Service
metadata: {name: legacy}
spec:
  ports: [{name: http, port: 80}]
---
apiVersion: v1
kind: Endpoints
metadata: {name: legacy}
subsets:
- addresses: [{ip: 127.0.0.1}]
  notReadyAddresses: [{ip: 127.0.0.2}]
  ports: [{name: http, port: 9000}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: legacy-abc
  labels: {kubernetes.io/service-name: legacy}
addressType: IPv4
endpoints:
- addresses: [127.0.0.3]
- addresses: [127.0.0.4]
  conditions: {ready: false}
ports: [{name: http, port: 9001}]
)",
                                        "external.yaml");
    ASSERT_FALSE(m.diagnostics.hasErrors()) << core::formatDiagnostic(m.diagnostics.items()[0]);
    ASSERT_EQ(m.services.size(), 1u);
    const auto external = m.externalEndpoints(m.services[0]);
    ASSERT_EQ(external.size(), 2u);
    EXPECT_EQ(external[0]->kind, "Endpoints");
    ASSERT_EQ(external[0]->subsets.at(0).addresses.size(), 2u);
    EXPECT_FALSE(external[0]->subsets[0].addresses[1].ready);
    EXPECT_EQ(external[1]->kind, "EndpointSlice");
    EXPECT_EQ(external[1]->subsets.at(0).ports.at(0).port, 9001);
    EXPECT_FALSE(external[1]->subsets[0].addresses.at(1).ready);
}

TEST(LoaderTest, EndpointAddressesMustBeLiteralIps) {
    Manifests m = loadManifestsFromText(R"(apiVersion: v1
kind: Endpoints
metadata: {name: legacy}
subsets:
- addresses: [{ip: backend.local}]
  ports: [{port: 70000}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: orphan}
addressType: FQDN
endpoints: [{addresses: [10.0.0.1]}]
)",
                                        "bad-endpoints.yaml");
    ASSERT_EQ(m.diagnostics.count(core::Severity::Error), 4u);
    const auto& items = m.diagnostics.items();
    EXPECT_EQ(items[0].location.line, 5);
    EXPECT_EQ(items[0].location.column, 20);
    EXPECT_NE(items[0].message.find("subsets[0].addresses[0].ip: Invalid value: \"backend.local\""),
              std::string::npos);
    EXPECT_NE(items[1].message.find("subsets[0].ports[0].port: Invalid value: 70000"),
              std::string::npos);
    EXPECT_NE(items[2].message.find("kubernetes.io/service-name"), std::string::npos);
    EXPECT_EQ(items[3].location.line, 11);
    EXPECT_NE(items[3].message.find("addressType: Unsupported value: \"FQDN\""),
              std::string::npos);
}

TEST(LoaderTest, LiveOverridesScaleRollAndAnnotate) {
    const std::string text = R"(apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web}]}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: shop}
spec:
  ingressClassName: nginx
  defaultBackend: {service: {name: web, port: {number: 80}}}
)";
    const Manifests plain = loadManifestsFromText(text, "o.yaml");
    ASSERT_EQ(plain.pods.size(), 2u);
    LoadOptions options;
    options.overrides.workloads["default/web"].replicas = 3;
    options.overrides.ingress_annotations["default/shop"]["nginx.ingress.kubernetes.io/canary-weight"] = "5";
    const Manifests scaled = loadManifestsFromText(text, "o.yaml", options);
    ASSERT_EQ(scaled.pods.size(), 3u);
    EXPECT_EQ(scaled.pods[0].meta.name, plain.pods[0].meta.name);  // same template, same names
    EXPECT_EQ(scaled.ingresses[0].meta.annotations.at("nginx.ingress.kubernetes.io/canary-weight"), "5");
    // A rollout half way: one new pod (a new pod-template-hash), two of the old template.
    options.overrides.workloads["default/web"] = {1, 1, 2};
    const Manifests rolling = loadManifestsFromText(text, "o.yaml", options);
    ASSERT_EQ(rolling.pods.size(), 3u);
    EXPECT_NE(rolling.pods[0].meta.labels.at("pod-template-hash"),
              plain.pods[0].meta.labels.at("pod-template-hash"));
    EXPECT_EQ(rolling.pods[1].meta.name, plain.pods[0].meta.name);
    EXPECT_EQ(rolling.pods[2].meta.name, plain.pods[1].meta.name);
}

TEST(LoaderTest, ACachedReloadDecodesOnlyChangedFilesAndMatchesAFreshLoad) {
    const auto dir = std::filesystem::temp_directory_path() /
                     ("ilab-cache-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()));
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    auto write = [&](const std::string& name, const std::string& text) {
        std::ofstream(dir / name) << text;
    };
    auto ingressYaml = [](const std::string& name, const std::string& extra = "") {
        return "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: " + name +
               "}\nspec:\n  ingressClassName: nginx\n  rules:\n  - host: " + name +
               ".com\n" + extra + "---\n";
    };
    write("a.yaml", ingressYaml("one") + ingressYaml("two"));
    write("b.yaml", ingressYaml("three") + "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n");
    write("c.yaml", ingressYaml("four", "    http: {paths: [{path: nope, pathType: Prefix}]}\n"));

    ParseCache cache;
    const Manifests first = loadManifests({dir.string()}, {}, &cache);
    EXPECT_EQ(cache.parsedInLastLoad(), 3u);
    write("b.yaml", ingressYaml("three") + ingressYaml("five"));
    const Manifests cached = loadManifests({dir.string()}, {}, &cache);
    EXPECT_EQ(cache.parsedInLastLoad(), 1u);  // only b.yaml changed
    const Manifests fresh = loadManifests({dir.string()});

    ASSERT_EQ(cached.ingresses.size(), 5u);
    ASSERT_EQ(fresh.ingresses.size(), 5u);
    for (std::size_t i = 0; i < fresh.ingresses.size(); ++i) {
        EXPECT_EQ(cached.ingresses[i].meta.name, fresh.ingresses[i].meta.name);
        EXPECT_EQ(cached.ingresses[i].meta.load_order, fresh.ingresses[i].meta.load_order) << i;
        EXPECT_EQ(cached.ingresses[i].meta.location.str(), fresh.ingresses[i].meta.location.str());
        EXPECT_EQ(cached.ingresses[i].rejected, fresh.ingresses[i].rejected);
    }
    EXPECT_EQ(cached.objects_read, fresh.objects_read);
    EXPECT_TRUE(cached.ignored.empty());  // the ConfigMap left with the old b.yaml
    ASSERT_EQ(cached.diagnostics.size(), fresh.diagnostics.size());
    for (std::size_t i = 0; i < fresh.diagnostics.size(); ++i)
        EXPECT_EQ(cached.diagnostics.items()[i].message, fresh.diagnostics.items()[i].message);
    EXPECT_TRUE(cached.diagnostics.hasErrors());  // c.yaml's path "nope" is still reported
    std::filesystem::remove_all(dir);
}

// A stream that never ends, as `yes |` or `< /dev/zero` on standard input.
class EndlessBuffer : public std::streambuf {
  public:
    EndlessBuffer() { setg(chunk_, chunk_, chunk_ + sizeof chunk_); }

  protected:
    int_type underflow() override {
        setg(chunk_, chunk_, chunk_ + sizeof chunk_);
        return traits_type::to_int_type(chunk_[0]);
    }

  private:
    char chunk_[4096] = {'#'};
};

TEST(LoaderTest, StandardInputIsCappedLikeAFile) {
    EndlessBuffer endless;
    std::istream in(&endless);
    LoadOptions options;
    options.standard_input = &in;
    options.yaml.max_bytes = 1024 * 1024;
    const Manifests m = loadManifests({"-"}, options);
    ASSERT_EQ(m.diagnostics.size(), 1u);
    EXPECT_EQ(m.diagnostics.items()[0].code, "ILAB-INPUT-003");
    EXPECT_EQ(m.diagnostics.items()[0].message,
              "standard input is over the 1 MiB limit for one input");
    EXPECT_EQ(m.diagnostics.items()[0].location.str(), "<stdin>");
    EXPECT_TRUE(m.input_unreadable);
}

TEST(LoaderTest, AFifoOrADeviceIsRefusedByNameAndSkippedInAFolder) {
    namespace fs = std::filesystem;
    const fs::path dir =
        fs::temp_directory_path() / ("ilab-loader-fifo-" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);
    ASSERT_EQ(::mkfifo((dir / "pipe.yaml").c_str(), 0600), 0);
    std::ofstream(dir / "a.yaml")
        << "apiVersion: v1\nkind: Service\nmetadata: {name: a}\nspec: {ports: [{port: 80}]}\n";
    auto load = std::async(std::launch::async, [&] {
        return loadManifests({(dir / "pipe.yaml").string(), "/dev/zero", dir.string()});
    });
    if (load.wait_for(std::chrono::seconds(5)) != std::future_status::ready) {
        const int writer = ::open((dir / "pipe.yaml").c_str(), O_WRONLY | O_NONBLOCK);
        if (writer >= 0) ::close(writer);  // let the stuck read end
        FAIL() << "loading blocked on a FIFO";
    }
    const Manifests m = load.get();
    ASSERT_EQ(m.diagnostics.count(core::Severity::Error), 2u);
    EXPECT_EQ(m.diagnostics.items()[0].code, "ILAB-INPUT-002");
    EXPECT_EQ(m.diagnostics.items()[0].location.str(), (dir / "pipe.yaml").string());
    EXPECT_EQ(m.diagnostics.items()[1].message,
              "\"/dev/zero\" is a character device, not a regular file");
    EXPECT_EQ(m.services.size(), 1u);  // the folder's FIFO is not a manifest file: skipped
    fs::remove_all(dir);
}

TEST(LoaderTest, ConfinedLoadsRefuseFilesThatLinkOutOfTheFolder) {
    namespace fs = std::filesystem;
    const fs::path dir =
        fs::temp_directory_path() / ("ilab-loader-confined-" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir / "lab" / "manifests");
    const std::string service =
        "apiVersion: v1\nkind: Service\nmetadata: {name: NAME}\nspec: {ports: [{port: 80}]}\n";
    std::ofstream(dir / "outside.yaml")
        << std::string(service).replace(service.find("NAME"), 4, "out");
    std::ofstream(dir / "lab" / "manifests" / "in.yaml")
        << std::string(service).replace(service.find("NAME"), 4, "in");
    fs::create_symlink("../../outside.yaml", dir / "lab" / "manifests" / "link.yaml");
    fs::create_symlink("in.yaml", dir / "lab" / "manifests" / "alias.yaml");  // inside: fine
    LoadOptions options;
    options.confine_to = (dir / "lab").string();
    const Manifests m = loadManifests({(dir / "lab" / "manifests").string()}, options);
    ASSERT_EQ(m.diagnostics.count(core::Severity::Error), 1u);
    const auto& items = m.diagnostics.items();
    const auto error = std::find_if(items.begin(), items.end(), [](const auto& d) {
        return d.severity == core::Severity::Error;
    });
    EXPECT_EQ(error->code, "ILAB-INPUT-004");
    EXPECT_NE(error->message.find("link.yaml\" leads outside the scenario's folder"),
              std::string::npos)
        << error->message;
    EXPECT_TRUE(m.input_unreadable);
    for (const auto& s : m.services) EXPECT_NE(s.meta.name, "out");
    fs::remove_all(dir);
}

}  // namespace
}  // namespace ilab::model
