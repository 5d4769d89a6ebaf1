import QtQuick
import QtQuick.Controls
import QtQuick.Layouts

// A scrolling column that stays readable on a tablet: full width on a phone,
// at most 560 px wide and centred on larger screens.
ScrollView {
    id: root
    default property alias content: column.data
    property int maxWidth: 560
    contentWidth: availableWidth
    clip: true

    ColumnLayout {
        id: column
        width: Math.min(root.availableWidth - 32, root.maxWidth)
        x: (root.availableWidth - width) / 2
        spacing: 16
        Item { Layout.preferredHeight: 8 }
    }
}
