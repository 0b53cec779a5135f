#pragma once
// Per-class IoU of a segmentation confusion matrix, as a text table and as
// JSON. Classes absent from both prediction and truth have no IoU ("-" in
// the table, null in JSON); the mIoU is given both ways: over all classes,
// absent ones counting 0 (the release's figure), and over the present ones.

#include <string>
#include <vector>

#include "c2am/wsss/maps.hpp"

namespace c2am::wsss {

// `names`: one per class of `matrix`; missing names become "class <k>".
std::string iou_table(const ConfusionMatrix& matrix, const std::vector<std::string>& names);
// {"miou": …, "miou_averaged_over": …, "miou_present_classes": …,
//  "classes": [{"id": k, "name": …, "iou": … | null, "pixels": …}, …]}
std::string iou_json(const ConfusionMatrix& matrix, const std::vector<std::string>& names);

}  // namespace c2am::wsss
