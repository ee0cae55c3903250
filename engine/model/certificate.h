#pragma once
// Reads the facts the lab needs from a PEM certificate (names, validity), with OpenSSL.
#include <string_view>

#include "engine/model/objects.h"

namespace ilab::model {

CertificateInfo readCertificate(std::string_view pem);

}  // namespace ilab::model
