#!/bin/sh
# Regenerates docs/openapi.json from the document a freshly built vireod serves (GET /openapi/v1.json), by running
# the contract test with VIREO_UPDATE_OPENAPI=1. Run it after changing a route or an API type, and commit the file.
set -eu
cd "$(dirname "$0")/.."
dotnet build tests/Vireo.Integration.Tests -c Release -v q
VIREO_UPDATE_OPENAPI=1 dotnet test tests/Vireo.Integration.Tests -c Release --no-build \
    --filter "FullyQualifiedName~ApiContractTests.The_served_OpenAPI_document_is_the_committed_one" -v q
git --no-pager diff --stat -- docs/openapi.json
