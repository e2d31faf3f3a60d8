#include "edgeq/core/error.hpp"

namespace edgeq {

int Error::exit_code() const noexcept {
  switch (kind_) {
    case Kind::BadInput:
      return 2;
    case Kind::Cancelled:
      return 130;
    case Kind::Internal:
      break;
  }
  return 1;
}

}  // namespace edgeq
