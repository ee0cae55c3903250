// A fault is refused, with the reason, when the lab does not define its target: before, a
// fault on a Service that does not exist got an id and was listed as active while doing
// nothing. The studio and the web lab both inject through the workbench, so they agree.
#include <filesystem>

#include <gtest/gtest.h>
#include <unistd.h>

#include "engine/workbench/workbench.h"

namespace ilab::workbench {
namespace {

class FaultTargetTest : public ::testing::Test {
  protected:
    void SetUp() override {
        ca_ = std::filesystem::temp_directory_path() /
              ("ilab-fault-target-" + std::to_string(::getpid()));
        WorkbenchOptions o;
        o.http_port = 0;
        o.https_port = 0;
        o.ephemeral_pod_ports = true;
        o.ca_directory = ca_.string();
        bench_ = std::make_unique<Workbench>(o, [] {});
        core::Diagnostics d;
        ASSERT_TRUE(bench_->open(ILAB_SOURCE_DIR "/scenarios/shop", {}, d));
    }
    void TearDown() override {
        bench_.reset();
        std::filesystem::remove_all(ca_);
    }
    static cluster::FaultSpec statusFault(cluster::Target::Kind kind, std::string namespace_,
                                          std::string name) {
        cluster::FaultSpec f;
        f.kind = cluster::FaultSpec::Kind::Status;
        f.status = 503;
        f.target = {kind, std::move(namespace_), std::move(name)};
        return f;
    }

    std::filesystem::path ca_;
    std::unique_ptr<Workbench> bench_;
};

TEST_F(FaultTargetTest, AFaultOnAServiceThatDoesNotExistIsRefusedNamingIt) {
    std::string error;
    const auto id =
        bench_->injectFault(statusFault(cluster::Target::Kind::Service, "shop", "acount"), &error);
    EXPECT_EQ(id, 0u);
    EXPECT_EQ(error,
              "Service \"shop/acount\" does not exist in the lab's manifests: no fault injected");
    EXPECT_TRUE(bench_->activeFaults().empty());
    EXPECT_TRUE(bench_->faultHistory().empty());
    // The right namespace matters as much as the name.
    EXPECT_EQ(bench_->injectFault(statusFault(cluster::Target::Kind::Service, "default", "account"),
                                  &error),
              0u);
    EXPECT_NE(error.find("Service \"default/account\""), std::string::npos) << error;
    EXPECT_EQ(
        bench_->injectFault(statusFault(cluster::Target::Kind::Workload, "shop", "nosuch"), &error),
        0u);
    EXPECT_NE(error.find("workload \"shop/nosuch\""), std::string::npos) << error;
}

TEST_F(FaultTargetTest, AFaultOnAServiceWorkloadOrPodOfTheLabIsInjected) {
    std::string error;
    EXPECT_NE(
        bench_->injectFault(statusFault(cluster::Target::Kind::Service, "shop", "account"), &error),
        0u)
        << error;
    const auto pods = bench_->pods();
    ASSERT_FALSE(pods.empty());
    const auto& pod = pods.front();
    EXPECT_NE(bench_->injectFault(statusFault(cluster::Target::Kind::Pod, pod.namespace_, pod.name),
                                  &error),
              0u)
        << error;
    if (!pod.owner_name.empty()) {
        EXPECT_NE(bench_->injectFault(
                      statusFault(cluster::Target::Kind::Workload, pod.namespace_, pod.owner_name),
                      &error),
                  0u)
            << error;
    }
    EXPECT_GE(bench_->activeFaults().size(), 2u);
}

}  // namespace
}  // namespace ilab::workbench
