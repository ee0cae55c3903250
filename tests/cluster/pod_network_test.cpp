// Pod networks on one machine: each lab holds a /16 of loopback of its own, so a second lab's
// pods never collide with the first's (a second `serve` used to get ILAB-CLUSTER-002 for every
// pod).
#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include "engine/cluster/cluster.h"

namespace ilab::cluster {
namespace {

TEST(PodNetworkTest, TwoLabsGetTwoNetworksAndAReleasedOneIsFreeAgain) {
    PodNetworkClaim first = choosePodNetwork({});
    PodNetworkClaim second = choosePodNetwork({});
    ASSERT_FALSE(first.base().empty());
    ASSERT_FALSE(second.base().empty());
    EXPECT_NE(first.base(), second.base());
    EXPECT_TRUE(first.base().starts_with("127.")) << first.base();
    EXPECT_TRUE(first.base().ends_with(".0.0")) << first.base();

    PodNetworkClaim third;
    EXPECT_FALSE(third.claim(first.base()));  // held
    const std::string freed = first.base();
    first = PodNetworkClaim();
    EXPECT_TRUE(third.claim(freed));
}

TEST(PodNetworkTest, AClusterWithoutAnAddressBaseChoosesAFreeNetwork) {
    boost::asio::io_context io;
    model::Manifests none;
    ClusterOptions options;
    options.address_base.clear();
    const auto a = Cluster::create(io, none, options);
    const auto b = Cluster::create(io, none, options);
    EXPECT_NE(a->addressBase(), b->addressBase());
    ClusterOptions fixed;
    fixed.address_base = "127.91.0.0";
    EXPECT_EQ(Cluster::create(io, none, fixed)->addressBase(), "127.91.0.0");
}

}  // namespace
}  // namespace ilab::cluster
