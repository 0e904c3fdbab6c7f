// Ranking and classification quality of scores against labels, for the
// evaluation and training tools. Pure functions; ties in the score are
// handled exactly (a tie is never broken by input order).
#ifndef KAIKU_LIB_EVALUATION_METRICS_H_
#define KAIKU_LIB_EVALUATION_METRICS_H_

#include <vector>

namespace kaiku::evaluation {

struct Labeled {
  double score = 0;
  bool positive = false;
};

// Area under the ROC curve: the probability that a random positive scores
// above a random negative, ties counting one half (Mann-Whitney). NaN when
// either class is empty.
double RocAuc(const std::vector<Labeled>& examples);

// Area under the precision-recall curve as average precision: the mean, over
// the positives, of the precision at that positive's score (with every example
// scoring at least as much counted). NaN without positives.
double AveragePrecision(const std::vector<Labeled>& examples);

// Predicting "positive" for score >= threshold.
struct Classification {
  double threshold = 0;
  double precision = 0;  // 0 when nothing is predicted positive
  double recall = 0;
  double f1 = 0;
};
Classification ClassifyAt(const std::vector<Labeled>& examples,
                          double threshold);
// The threshold (one of the scores) with the highest F1.
Classification BestF1(const std::vector<Labeled>& examples);
// The threshold with the highest F-beta: beta > 1 favours recall, beta < 1
// precision (F1 is beta = 1).
Classification BestFBeta(const std::vector<Labeled>& examples, double beta);

// The expected share of positives among the k highest scores, the examples
// tied at the k-th score taken in proportion. k is clamped to the number of
// examples; NaN when there are none.
double PrecisionAtK(const std::vector<Labeled>& examples, int k);

}  // namespace kaiku::evaluation

#endif  // KAIKU_LIB_EVALUATION_METRICS_H_
