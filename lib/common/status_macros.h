// RETURN_IF_ERROR and ASSIGN_OR_RETURN, under the names upstream Abseil-based
// code uses (abseil 20220623 ships neither).
//
//   RETURN_IF_ERROR(store->Write(batch));
//   ASSIGN_OR_RETURN(std::unique_ptr<Store> store, Store::Open(options));
#ifndef KAIKU_LIB_COMMON_STATUS_MACROS_H_
#define KAIKU_LIB_COMMON_STATUS_MACROS_H_

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

// Evaluates `expr` (an absl::Status); returns it from the enclosing function
// unless OK.
#define RETURN_IF_ERROR(expr)                          \
  do {                                                 \
    ::absl::Status kaiku_status_macro_status = (expr); \
    if (!kaiku_status_macro_status.ok()) {             \
      return kaiku_status_macro_status;                \
    }                                                  \
  } while (false)

#define KAIKU_STATUS_MACROS_CONCAT_INNER(x, y) x##y
#define KAIKU_STATUS_MACROS_CONCAT(x, y) KAIKU_STATUS_MACROS_CONCAT_INNER(x, y)

#define KAIKU_ASSIGN_OR_RETURN_IMPL(statusor, lhs, rexpr) \
  auto statusor = (rexpr);                                \
  if (!statusor.ok()) {                                   \
    return std::move(statusor).status();                  \
  }                                                       \
  lhs = *std::move(statusor)

// Evaluates `rexpr` (an absl::StatusOr<T>); on error returns its status from
// the enclosing function, otherwise assigns (or declares) `lhs` with the value.
// Expands to more than one statement: do not use it as the body of an unbraced
// if.
#define ASSIGN_OR_RETURN(lhs, rexpr) \
  KAIKU_ASSIGN_OR_RETURN_IMPL(       \
      KAIKU_STATUS_MACROS_CONCAT(kaiku_statusor_, __LINE__), lhs, rexpr)

#endif  // KAIKU_LIB_COMMON_STATUS_MACROS_H_
