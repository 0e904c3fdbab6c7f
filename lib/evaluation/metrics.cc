#include "lib/evaluation/metrics.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace kaiku::evaluation {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Groups of equal score, highest first: (positives, negatives) of each.
struct Group {
  double score;
  double positives;
  double negatives;
};

std::vector<Group> Groups(const std::vector<Labeled>& examples) {
  std::vector<Labeled> sorted = examples;
  std::sort(
      sorted.begin(), sorted.end(),
      [](const Labeled& a, const Labeled& b) { return a.score > b.score; });
  std::vector<Group> groups;
  for (const Labeled& e : sorted) {
    if (groups.empty() || groups.back().score != e.score)
      groups.push_back({e.score, 0, 0});
    (e.positive ? groups.back().positives : groups.back().negatives) += 1;
  }
  return groups;
}

double FBeta(double precision, double recall, double beta) {
  const double b2 = beta * beta;
  return precision + recall == 0
             ? 0
             : (1 + b2) * precision * recall / (b2 * precision + recall);
}

double F1(double precision, double recall) {
  return FBeta(precision, recall, 1);
}

}  // namespace

double RocAuc(const std::vector<Labeled>& examples) {
  double positives = 0, negatives = 0, wins = 0;
  // From the lowest score up: each positive beats the negatives below it.
  std::vector<Group> groups = Groups(examples);
  for (auto it = groups.rbegin(); it != groups.rend(); ++it) {
    wins += it->positives * (negatives + it->negatives / 2);
    positives += it->positives;
    negatives += it->negatives;
  }
  if (positives == 0 || negatives == 0) return kNaN;
  return wins / (positives * negatives);
}

double AveragePrecision(const std::vector<Labeled>& examples) {
  double total_positives = 0;
  for (const Labeled& e : examples) total_positives += e.positive ? 1 : 0;
  if (total_positives == 0) return kNaN;
  double seen = 0, seen_positives = 0, sum = 0;
  for (const Group& g : Groups(examples)) {
    seen += g.positives + g.negatives;
    seen_positives += g.positives;
    sum += g.positives * (seen_positives / seen);
  }
  return sum / total_positives;
}

Classification ClassifyAt(const std::vector<Labeled>& examples,
                          double threshold) {
  double tp = 0, fp = 0, fn = 0;
  for (const Labeled& e : examples) {
    const bool predicted = e.score >= threshold;
    if (predicted && e.positive) tp += 1;
    if (predicted && !e.positive) fp += 1;
    if (!predicted && e.positive) fn += 1;
  }
  Classification c;
  c.threshold = threshold;
  c.precision = tp + fp == 0 ? 0 : tp / (tp + fp);
  c.recall = tp + fn == 0 ? 0 : tp / (tp + fn);
  c.f1 = F1(c.precision, c.recall);
  return c;
}

Classification BestF1(const std::vector<Labeled>& examples) {
  return BestFBeta(examples, 1);
}

Classification BestFBeta(const std::vector<Labeled>& examples, double beta) {
  double total_positives = 0;
  for (const Labeled& e : examples) total_positives += e.positive ? 1 : 0;
  Classification best;
  double best_score = 0;
  double tp = 0, predicted = 0;
  for (const Group& g : Groups(examples)) {
    tp += g.positives;
    predicted += g.positives + g.negatives;
    Classification c;
    c.threshold = g.score;
    c.precision = tp / predicted;
    c.recall = total_positives == 0 ? 0 : tp / total_positives;
    c.f1 = F1(c.precision, c.recall);
    const double score = FBeta(c.precision, c.recall, beta);
    if (score > best_score) {
      best = c;
      best_score = score;
    }
  }
  return best;
}

double PrecisionAtK(const std::vector<Labeled>& examples, int k) {
  k = std::min<int>(k, static_cast<int>(examples.size()));
  if (k <= 0) return kNaN;
  double taken = 0, positives = 0;
  for (const Group& g : Groups(examples)) {
    const double size = g.positives + g.negatives;
    const double take = std::min(size, k - taken);
    positives += g.positives * (take / size);
    taken += take;
    if (taken >= k) break;
  }
  return positives / k;
}

}  // namespace kaiku::evaluation
