#pragma once
// Files for the tests that run the real ingress-lab binary: a fresh folder per test, a tiny
// topology (a Service and an Ingress, no pods: nothing binds a port) and a scenario over it
// that runs for a tenth of a second.
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

namespace ilab::cli {

inline constexpr std::string_view kTinyManifests = R"(apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web}
spec:
  ingressClassName: nginx
  rules:
  - host: web.local
    http:
      paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}]
)";

// "manifests: [...]" goes where the scenario names its topology.
inline std::string tinyScenario(const std::string& manifests_line) {
    return "apiVersion: ingress-lab.dev/v1alpha1\n"
           "kind: Scenario\n"
           "metadata: {name: tiny}\n"
           "spec:\n"
           "  " +
           manifests_line +
           "\n"
           "  duration: 100ms\n";
}

// A folder of its own under the temporary directory, removed at the end of the test.
class TempFolder {
  public:
    TempFolder() {
        const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
        path_ = std::filesystem::temp_directory_path() /
                ("ilab-" + std::string(test->test_suite_name()) + "-" + test->name() + "-" +
                 std::to_string(::getpid()));
        std::filesystem::remove_all(path_);
        std::filesystem::create_directories(path_);
    }
    ~TempFolder() {
        std::error_code ignored;
        std::filesystem::remove_all(path_, ignored);
    }
    TempFolder(const TempFolder&) = delete;
    TempFolder& operator=(const TempFolder&) = delete;

    const std::filesystem::path& path() const { return path_; }
    std::filesystem::path operator/(const std::string& name) const { return path_ / name; }
    std::filesystem::path write(const std::string& name, std::string_view text) const {
        const auto file = path_ / name;
        std::filesystem::create_directories(file.parent_path());
        std::ofstream(file, std::ios::binary) << text;
        return file;
    }
    std::filesystem::path fifo(const std::string& name) const {
        const auto file = path_ / name;
        EXPECT_EQ(::mkfifo(file.c_str(), 0600), 0) << file;
        return file;
    }

  private:
    std::filesystem::path path_;
};

}  // namespace ilab::cli
