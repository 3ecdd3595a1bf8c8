// The evidence credibility (eval/credibility.h) weighs: each query cell's matches, labelled with
// the training target's class at the centre of the matched cell's patch.
#pragma once

#include "compnn/core/correspondence.h"
#include "compnn/eval/credibility.h"
#include "compnn/explain/training_images.h"

namespace compnn {

// The votes of a field found at a layer of this stride (void and unmatched cells: no label).
// Throws std::runtime_error when `training` has no label targets.
NeighbourVotes VotesOfField(const CorrespondenceField& field, int stride, TrainingImages& training);

}  // namespace compnn
