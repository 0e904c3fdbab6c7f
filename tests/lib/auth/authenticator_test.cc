#include "lib/auth/authenticator.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace kaiku::auth {
namespace {

using ::testing::HasSubstr;

TEST(HashApiKeyTest, IsSha256Hex) {
  // sha256("password")
  EXPECT_EQ(HashApiKey("password"),
            "5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8");
}

TEST(AuthenticatorTest, AllowAllIsDefaultTenantWithEveryScope) {
  Authenticator a = Authenticator::AllowAll();
  EXPECT_FALSE(a.requires_keys());
  auto p = a.Authenticate(std::nullopt);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->tenant, "default");
  EXPECT_TRUE(p->Has(Scope::kIngest) && p->Has(Scope::kSubscribe) &&
              p->Has(Scope::kAdmin));
}

TEST(AuthenticatorTest, KeysFileMapsKeysToTenantsAndScopes) {
  std::string contents = "# comment\n\n" + HashApiKey("k1") +
                         "  acme  ingest\n" + HashApiKey("k2") +
                         "\tglobex\tsubscribe,admin\n";
  auto a = Authenticator::FromKeyFileContents(contents, "keys");
  ASSERT_TRUE(a.ok()) << a.status();
  auto p1 = a->Authenticate("Bearer k1");
  ASSERT_TRUE(p1.ok());
  EXPECT_EQ(p1->tenant, "acme");
  EXPECT_TRUE(Authenticator::Require(*p1, Scope::kIngest).ok());
  absl::Status denied = Authenticator::Require(*p1, Scope::kSubscribe);
  EXPECT_EQ(denied.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(denied.message(), HasSubstr("subscribe"));
  auto p2 = a->Authenticate("Bearer k2");
  ASSERT_TRUE(p2.ok());
  EXPECT_EQ(p2->tenant, "globex");
  EXPECT_TRUE(p2->Has(Scope::kAdmin));
  EXPECT_FALSE(p2->Has(Scope::kIngest));
}

TEST(AuthenticatorTest, MissingMalformedOrUnknownKeyIsUnauthenticated) {
  auto a = Authenticator::FromKeyFileContents(HashApiKey("k") + " t ingest\n",
                                              "keys");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->Authenticate(std::nullopt).status().code(),
            absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(a->Authenticate("k").status().code(),
            absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(a->Authenticate("Bearer nope").status().code(),
            absl::StatusCode::kUnauthenticated);
  EXPECT_TRUE(a->Authenticate("Bearer k").ok());
}

TEST(AuthenticatorTest, BadKeysFileNamesTheLine) {
  struct Case {
    std::string line;
    std::string error;
  };
  std::string hash = HashApiKey("k");
  for (const Case& c : {Case{"abc t ingest", "64 lower-case hex"},
                        Case{hash + " Bad!Tenant ingest", "tenant"},
                        Case{hash + " t ingest,fly", "unknown scope \"fly\""},
                        Case{hash + " t", "three fields"}}) {
    auto a = Authenticator::FromKeyFileContents("# header\n" + c.line + "\n",
                                                "keys.txt");
    ASSERT_FALSE(a.ok()) << c.line;
    EXPECT_THAT(a.status().message(), HasSubstr("keys.txt:2:")) << c.line;
    EXPECT_THAT(a.status().message(), HasSubstr(c.error)) << c.line;
  }
  auto twice = Authenticator::FromKeyFileContents(
      hash + " a ingest\n" + hash + " b ingest\n", "keys");
  EXPECT_THAT(twice.status().message(), HasSubstr("keys:2: the same key hash"));
}

}  // namespace
}  // namespace kaiku::auth
