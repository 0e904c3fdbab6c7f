// The deploy/ files, checked as far as this machine can without a container
// engine: Prometheus rules and config by promtool (with the rules' unit
// tests), the compose file, Kubernetes manifests, Dockerfile and systemd unit
// parsed and held to what deploy/README.md promises, the embedded kaikud
// configs validated by kaikud's own config code, and the dashboard's JSON.
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "gmock/gmock.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "lib/config/server_config.h"
#include "tests/testing/kaikud_process.h"
#include "yaml-cpp/yaml.h"

namespace kaiku {
namespace {

using ::kaiku::testing::RunCommand;
using ::testing::HasSubstr;

const std::string kDeploy = std::string(KAIKU_SOURCE_DIR) + "/deploy";

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  EXPECT_TRUE(in) << path;
  return std::string((std::istreambuf_iterator<char>(in)),
                     std::istreambuf_iterator<char>());
}

// Parses and validates a kaikud config the way kaikud does at start.
void ExpectValidKaikudConfig(const std::string& text, const std::string& name) {
  absl::StatusOr<config::v1::ServerConfig> parsed =
      config::ParseServerConfig(text, name);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  absl::Status valid = config::ValidateServerConfig(*parsed);
  EXPECT_TRUE(valid.ok()) << name << ": " << valid;
  // Keys are required beyond loopback: the file names them.
  EXPECT_FALSE(parsed->keys_file().empty()) << name;
}

TEST(DeployFilesTest, PromtoolAcceptsTheRulesTheirTestsAndTheConfig) {
  const std::string dir = kDeploy + "/prometheus";
  EXPECT_EQ(
      RunCommand({"/usr/bin/promtool", "check", "rules", dir + "/alerts.yml"},
                 "")
          .exit_code,
      0);
  EXPECT_EQ(
      RunCommand(
          {"/usr/bin/promtool", "test", "rules", dir + "/alerts_test.yml"}, "")
          .exit_code,
      0);
  EXPECT_EQ(
      RunCommand(
          {"/usr/bin/promtool", "check", "config", dir + "/prometheus.yml"}, "")
          .exit_code,
      0);
}

TEST(DeployFilesTest, AlertsCoverWhatOpsNeed) {
  YAML::Node rules = YAML::LoadFile(kDeploy + "/prometheus/alerts.yml");
  std::set<std::string> alerts;
  for (const auto& group : rules["groups"])
    for (const auto& rule : group["rules"]) {
      alerts.insert(rule["alert"].as<std::string>());
      EXPECT_TRUE(rule["labels"]["severity"]) << rule["alert"];
      EXPECT_TRUE(rule["annotations"]["summary"]) << rule["alert"];
    }
  for (const char* a :
       {"KaikuIngestErrors", "KaikuAckLatencySLOFastBurn",
        "KaikuAckLatencySLOSlowBurn", "KaikuSubscriberLag", "KaikuWriteStalls",
        "KaikuDiskAlmostFull", "KaikuNotReady", "KaikuStorageFailed"}) {
    EXPECT_TRUE(alerts.count(a)) << a;
  }
}

TEST(DeployFilesTest, ComposeRunsKaikudPrometheusAndGrafanaFromFilesThatExist) {
  const std::string dir = kDeploy + "/compose";
  YAML::Node compose = YAML::LoadFile(dir + "/compose.yaml");
  YAML::Node services = compose["services"];
  ASSERT_TRUE(services["kaikud"] && services["prometheus"] &&
              services["grafana"]);
  YAML::Node kaikud = services["kaikud"];
  EXPECT_TRUE(std::filesystem::exists(
      dir + "/" + kaikud["build"]["context"].as<std::string>() + "/" +
      kaikud["build"]["dockerfile"].as<std::string>()));
  EXPECT_EQ(kaikud["healthcheck"]["test"][1].as<std::string>(), "kaikuctl");
  // Every bind mount's source exists; named volumes are declared.
  for (YAML::const_iterator it = services.begin(); it != services.end(); ++it) {
    const std::string name = it->first.as<std::string>();
    for (const YAML::Node& volume : it->second["volumes"]) {
      const std::string spec = volume.as<std::string>();
      const std::string source = spec.substr(0, spec.find(':'));
      if (absl::StartsWith(source, ".")) {
        EXPECT_TRUE(std::filesystem::exists(dir + "/" + source))
            << name << ": " << source;
      } else {
        EXPECT_TRUE(compose["volumes"][source]) << name << ": " << source;
      }
    }
  }
}

TEST(DeployFilesTest,
     KubernetesStatefulSetHasVolumesProbesResourcesAndScraping) {
  std::vector<YAML::Node> docs =
      YAML::LoadAllFromFile(kDeploy + "/kubernetes/kaikud.yaml");
  std::map<std::string, int> kinds;
  YAML::Node set, config_map;
  for (const YAML::Node& d : docs) {
    ASSERT_TRUE(d["apiVersion"] && d["kind"] && d["metadata"]["name"]);
    kinds[d["kind"].as<std::string>()]++;
    if (d["kind"].as<std::string>() == "StatefulSet") set = d;
    if (d["kind"].as<std::string>() == "ConfigMap") config_map = d;
  }
  EXPECT_EQ(kinds["StatefulSet"], 1);
  EXPECT_EQ(kinds["Service"], 2);
  EXPECT_EQ(kinds["PodDisruptionBudget"], 1);
  ASSERT_TRUE(set && config_map);

  EXPECT_EQ(set["spec"]["volumeClaimTemplates"][0]["metadata"]["name"]
                .as<std::string>(),
            "data");
  YAML::Node pod = set["spec"]["template"];
  EXPECT_EQ(
      pod["metadata"]["annotations"]["prometheus.io/scrape"].as<std::string>(),
      "true");
  YAML::Node container = pod["spec"]["containers"][0];
  std::map<std::string, int> ports;
  for (const auto& p : container["ports"])
    ports[p["name"].as<std::string>()] = p["containerPort"].as<int>();
  EXPECT_EQ(pod["metadata"]["annotations"]["prometheus.io/port"].as<int>(),
            ports["metrics"]);
  EXPECT_EQ(container["readinessProbe"]["grpc"]["port"].as<int>(),
            ports["grpc"]);
  EXPECT_EQ(container["livenessProbe"]["grpc"]["port"].as<int>(),
            ports["grpc"]);
  EXPECT_EQ(container["livenessProbe"]["grpc"]["service"].as<std::string>(),
            "liveness");
  EXPECT_TRUE(container["resources"]["requests"]["cpu"]);
  EXPECT_TRUE(container["resources"]["requests"]["memory"]);
  EXPECT_TRUE(pod["spec"]["securityContext"]["runAsNonRoot"].as<bool>());

  const std::string text =
      config_map["data"]["kaikud.textproto"].as<std::string>();
  ExpectValidKaikudConfig(text, "kubernetes ConfigMap kaikud.textproto");
  EXPECT_THAT(text, HasSubstr(absl::StrCat(":", ports["grpc"])));
  EXPECT_THAT(text, HasSubstr(absl::StrCat(":", ports["metrics"])));
}

TEST(DeployFilesTest, DockerfileIsMultiStageDebianNonRootWithHealthcheck) {
  const std::string text = ReadFile(kDeploy + "/docker/Dockerfile");
  std::vector<std::string> from;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (absl::ConsumePrefix(&line, "FROM ")) from.emplace_back(line);
    if (absl::ConsumePrefix(&line, "COPY ") &&
        !absl::StartsWith(line, "--from")) {
      std::vector<std::string> parts = absl::StrSplit(line, ' ');
      for (size_t i = 0; i + 1 < parts.size(); ++i) {
        if (parts[i] == ".") continue;
        EXPECT_TRUE(std::filesystem::exists(std::string(KAIKU_SOURCE_DIR) +
                                            "/" + parts[i]))
            << parts[i];
      }
    }
  }
  ASSERT_EQ(from.size(), 2u);
  EXPECT_THAT(from[0], HasSubstr("debian:bookworm"));
  EXPECT_THAT(from[1], HasSubstr("debian:bookworm"));
  EXPECT_THAT(text, HasSubstr("\nUSER kaiku"));
  EXPECT_THAT(text, HasSubstr("\nHEALTHCHECK "));
  EXPECT_THAT(text, HasSubstr("\nVOLUME "));
  ExpectValidKaikudConfig(ReadFile(kDeploy + "/docker/kaikud.textproto"),
                          "deploy/docker/kaikud.textproto");
}

TEST(DeployFilesTest, SystemdUnitIsHardened) {
  std::map<std::string, std::string> service;
  std::string section;
  for (absl::string_view line :
       absl::StrSplit(ReadFile(kDeploy + "/systemd/kaikud.service"), '\n')) {
    if (line.empty() || line[0] == '#') continue;
    if (line[0] == '[') {
      section = std::string(line);
      continue;
    }
    std::vector<std::string> kv = absl::StrSplit(line, absl::MaxSplits('=', 1));
    ASSERT_EQ(kv.size(), 2u) << line;
    if (section == "[Service]") service[kv[0]] = kv[1];
  }
  EXPECT_THAT(service["ExecStart"], HasSubstr("kaikud --config="));
  EXPECT_EQ(service["ExecReload"], "/bin/kill -HUP $MAINPID");
  EXPECT_EQ(service["KillSignal"], "SIGTERM");
  for (const char* key :
       {"NoNewPrivileges", "ProtectSystem", "ProtectHome", "PrivateTmp",
        "PrivateDevices", "RestrictAddressFamilies", "SystemCallFilter",
        "CapabilityBoundingSet", "MemoryDenyWriteExecute", "StateDirectory"}) {
    EXPECT_TRUE(service.count(key)) << key;
  }
  EXPECT_EQ(service["ProtectSystem"], "strict");
}

TEST(DeployFilesTest, DashboardIsValidJsonWithTheNamedPanels) {
  google::protobuf::Struct dashboard;
  ASSERT_TRUE(
      google::protobuf::util::JsonStringToMessage(
          ReadFile(kDeploy + "/grafana/dashboards/kaiku.json"), &dashboard)
          .ok());
  std::vector<std::string> titles;
  for (const auto& panel :
       dashboard.fields().at("panels").list_value().values()) {
    titles.push_back(panel.struct_value().fields().at("title").string_value());
  }
  for (const char* wanted :
       {"Ingest rate", "Publish-ack latency quantiles", "Level distribution",
        "Triggers fired", "Subscriber lag", "Write stalls",
        "Write amplification"}) {
    EXPECT_THAT(titles, ::testing::Contains(HasSubstr(wanted))) << wanted;
  }
  // Grafana provisioning points at the dashboards' mount.
  YAML::Node provider =
      YAML::LoadFile(kDeploy + "/grafana/provisioning/dashboards/kaiku.yml");
  EXPECT_EQ(provider["providers"][0]["options"]["path"].as<std::string>(),
            "/var/lib/grafana/dashboards");
}

}  // namespace
}  // namespace kaiku
